/**
 * @module client — the entry point: `new GroupsClient({ accessToken, baseUrl? })`, with one property per resource.
 * Against Meta leave `baseUrl` unset; against Groupgate point it at the server.
 */
import { JoinRequests } from './resources/join-requests.js';
import { Groups, InviteLinks, Participants } from './resources/groups.js';
import { GraphTransport, type ClientOptions } from './transport.js';

export interface GroupsClientOptions extends ClientOptions {
  /** The business phone number whose groups `groups.create` / `groups.list` work on, unless given per call. */
  phoneNumberId?: string;
}

export class GroupsClient {
  readonly transport: GraphTransport;
  readonly joinRequests: JoinRequests;
  readonly groups: Groups;
  readonly inviteLinks: InviteLinks;
  readonly participants: Participants;

  constructor(options: GroupsClientOptions) {
    this.transport = new GraphTransport(options);
    this.joinRequests = new JoinRequests(this.transport);
    this.groups = new Groups(this.transport, options.phoneNumberId);
    this.inviteLinks = new InviteLinks(this.transport);
    this.participants = new Participants(this.transport);
  }
}
