/** One line of a cart: an item in one colour and size, and how many. */
export interface CartLine {
  readonly itemId: string;
  readonly quantity: number;
  readonly color?: string;
  readonly size?: string;
}

/** A user's cart, as `cart.get` and `cart.addItem` answer and `cart.updated` carries. */
export interface Cart {
  readonly userId: string;
  /** Sorted by item, then colour, then size, so every store answers alike. */
  readonly lines: readonly CartLine[];
  /** The sum of every line's quantity. */
  readonly totalQuantity: number;
}

/**
 * The key that tells lines apart: the same item in another colour or size is
 * another line. Stores keep quantities by this key, which makes adding atomic.
 *
 * @example
 * lineKey({ itemId: 'mug', color: 'red' }) // '["mug","red",null]'
 */
export function lineKey(line: { readonly itemId: string; readonly color?: string | undefined; readonly size?: string | undefined }): string {
  return JSON.stringify([line.itemId, line.color ?? null, line.size ?? null]);
}

/**
 * Builds a cart from quantities kept by {@link lineKey}.
 *
 * @example
 * cartFrom('ada', [['["mug",null,null]', 2]]);
 */
export function cartFrom(userId: string, quantities: Iterable<readonly [key: string, quantity: number]>): Cart {
  const lines: CartLine[] = [];
  for (const [key, quantity] of quantities) {
    if (!(quantity > 0)) continue;
    const [itemId, color, size] = JSON.parse(key) as [string, string | null, string | null];
    lines.push({ itemId, quantity, ...(color === null ? {} : { color }), ...(size === null ? {} : { size }) });
  }
  lines.sort((a, b) => compare(a.itemId, b.itemId) || compare(a.color ?? '', b.color ?? '') || compare(a.size ?? '', b.size ?? ''));
  return { userId, lines, totalQuantity: lines.reduce((sum, line) => sum + line.quantity, 0) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
