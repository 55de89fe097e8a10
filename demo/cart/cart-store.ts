import type { Cart, CartLine } from './cart.js';

/**
 * Where carts live. Adding is atomic per line, so two tabs of one user adding
 * at once both count. {@link MemoryCartStore} keeps carts in the process;
 * {@link RedisCartStore} keeps them in Redis, so they survive a restart.
 *
 * @example
 * const cart = await store.addItem('ada', { itemId: 'mug', quantity: 1, color: 'red' });
 */
export interface CartStore {
  /** The user's cart; empty if they never added anything. */
  get(userId: string): Promise<Cart>;
  /** Adds `line.quantity` to the line with the same item, colour and size, and answers the whole cart. */
  addItem(userId: string, line: CartLine): Promise<Cart>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
