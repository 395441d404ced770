import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { pollChannel } from '../../channels/pollers/index.js';
import { STAFF, defineRoute } from '../route.js';
import { Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Marketplace pollers: ask a polled channel (Amazon, Flipkart) for its new orders now, instead of at the next run. */
export function pollerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  defineRoute(app, {
    method: 'POST', url: '/api/v1/channels/:id/poll', access: STAFF, summary: 'Poll a marketplace channel (Amazon, Flipkart) for new and changed orders now', tags: ['channels'],
    description: 'Runs the channel\'s poller once and returns its summary: fetched, created, updated, cancelled, already_known, skipped, errors (one per order that could not be taken in) and the stored cursor. '
      + '400 poller_misconfigured when settings or the secret are missing, 409 poll_in_progress while another poll of the channel runs, 503 when the marketplace cannot be reached.',
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }) }) },
    handler: async (req) => pollChannel(ctx.db, req.params.id),
  });
}
