import { cartFrom, lineKey, type Cart, type CartLine } from './cart.js';
import type { CartStore } from './cart-store.js';

/**
 * Carts in a `Map`, for one process: the default. A restart empties them.
 *
 * @example
 * createDemoApp({ cartStore: new MemoryCartStore() });
 */
export class MemoryCartStore implements CartStore {
  readonly #carts = new Map<string, Map<string, number>>();

  async get(userId: string): Promise<Cart> {
    return cartFrom(userId, this.#carts.get(userId) ?? []);
  }

  async addItem(userId: string, line: CartLine): Promise<Cart> {
    let quantities = this.#carts.get(userId);
    if (quantities === undefined) this.#carts.set(userId, (quantities = new Map()));
    const key = lineKey(line);
    quantities.set(key, (quantities.get(key) ?? 0) + line.quantity);
    return cartFrom(userId, quantities);
  }

  async close(): Promise<void> {}
}
