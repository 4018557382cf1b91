import { NotFound } from '../common/domain-error';

export class MailboxNotFound extends NotFound {
  constructor() {
    super('No mailbox with this id is registered.');
  }
}
