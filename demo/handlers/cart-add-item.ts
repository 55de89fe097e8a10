import { inject, injectable } from 'tsyringe';
import { EventPublisher, handles, to, type CommandContext, type CommandHandler, type PayloadOf, type ResultOf } from '../../src/index.js';
import type { CartStore } from '../cart/cart-store.js';
import { CartAddItem, CartUpdated } from '../contract.js';
import { DemoTokens } from '../demo-tokens.js';
import { requireUser } from '../cart/require-user.js';

/** Adds to the sender's cart and tells every session of that user. */
@injectable()
export class CartAddItemHandler implements CommandHandler<typeof CartAddItem> {
  constructor(
    @inject(DemoTokens.CartStore) private readonly carts: CartStore,
    private readonly events: EventPublisher,
  ) {}

  async execute({ itemId, quantity, color, size }: PayloadOf<typeof CartAddItem>, ctx: CommandContext): Promise<ResultOf<typeof CartAddItem>> {
    const userId = requireUser(ctx);
    const cart = await this.carts.addItem(userId, { itemId, quantity, ...(color === undefined ? {} : { color }), ...(size === undefined ? {} : { size }) });
    this.events.publish(CartUpdated, cart, to.user(userId));
    return cart;
  }
}

export default handles(CartAddItem, CartAddItemHandler);
