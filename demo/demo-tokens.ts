import type { InjectionToken } from 'tsyringe';
import type { CartStore } from './cart/cart-store.js';

/**
 * The demo's injection tokens, for what has no class of its own.
 *
 * @example
 * constructor(\@inject(DemoTokens.CartStore) private readonly carts: CartStore) {}
 */
export const DemoTokens = Object.freeze({
  /** Where carts are kept. */
  CartStore: Symbol('demo.CartStore') as InjectionToken<CartStore>,
});
