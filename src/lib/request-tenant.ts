import { getOperationAST, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { checkCursors } from './cursors.js';
import { badInput } from './errors.js';
import { withTenant } from './tenancy.js';

/**
 * Runs each operation's execution inside its viewer's tenant, where the data layer reads it, once
 * its page cursors are known to be cursors of this API.
 */
export function useTenantScope(): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { tenant } = args.contextValue;
      if (!tenant) return;
      setExecuteFn((execution: ExecutionArgs) => {
        const operation = getOperationAST(execution.document, execution.operationName);
        if (operation) {
          try {
            checkCursors(execution.schema, execution.document, operation, execution.variableValues);
          } catch (error) {
            const refused = badInput(error);
            if (refused) return { errors: [refused] };
            throw error;
          }
        }
        return withTenant(tenant, () => executeFn(execution) as unknown);
      });
    },
  };
}
