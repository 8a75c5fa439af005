import { initContextCache } from '@pothos/core';
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { withLoadBudget, type LoadLimits } from './load-guard.js';
import { withTenant } from './tenancy.js';

/**
 * Executes each event of a subscription as a request of its own: in the subscriber's tenant (the
 * data layer refuses a query without one), with fresh per-request caches (Pothos' context caches:
 * loaders would otherwise answer a later event with what they loaded for an earlier one), and with
 * a load budget of its own. graphql-js executes every event with the subscription's one context,
 * whenever the transport asks for the next: none of the three would hold by itself.
 */
export function useSubscriptionEvents(limits: LoadLimits): Plugin<Context> {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue;
      const { tenant } = context;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!tenant || !isAsyncIterable(result)) return;
          const events = result[Symbol.asyncIterator]();
          const stream: AsyncIterableIterator<ExecutionResult> = {
            next: () => {
              Object.assign(context, initContextCache());
              return withTenant(tenant, () => withLoadBudget(limits, () => events.next()));
            },
            return: (value?: unknown) => events.return?.(value) ?? Promise.resolve({ value: undefined, done: true }),
            [Symbol.asyncIterator]: () => stream,
          };
          setResult(stream);
        },
      };
    },
  };
}
