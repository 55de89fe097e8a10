import { inject, injectable } from 'tsyringe';
import { handles, type CommandContext, type CommandHandler, type ResultOf } from '../../src/index.js';
import type { CartStore } from '../cart/cart-store.js';
import { CartGet } from '../contract.js';
import { DemoTokens } from '../demo-tokens.js';
import { requireUser } from '../cart/require-user.js';

/** Answers the sender's cart. */
@injectable()
export class CartGetHandler implements CommandHandler<typeof CartGet> {
  constructor(@inject(DemoTokens.CartStore) private readonly carts: CartStore) {}

  async execute(_payload: unknown, ctx: CommandContext): Promise<ResultOf<typeof CartGet>> {
    return this.carts.get(requireUser(ctx));
  }
}

export default handles(CartGet, CartGetHandler);
