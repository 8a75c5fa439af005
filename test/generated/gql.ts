/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation CreateEquipment($input: CreateEquipmentInput!) {\n    createEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateEquipmentSuccess {\n        equipment {\n          id\n          name\n          serialNumber\n          status\n          category\n          nextMaintenanceAt\n          createdBy {\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.CreateEquipmentDocument,
    "\n  mutation UpdateEquipment($input: UpdateEquipmentInput!) {\n    updateEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateEquipmentSuccess {\n        equipment {\n          name\n          status\n          serialNumber\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n": typeof types.UpdateEquipmentDocument,
    "\n  mutation DeleteEquipment($id: ID!) {\n    deleteEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on DeleteEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n": typeof types.DeleteEquipmentDocument,
    "\n  mutation RestoreEquipment($id: ID!) {\n    restoreEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on RestoreEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n": typeof types.RestoreEquipmentDocument,
    "\n  query EquipmentCount($filter: EquipmentFilter) {\n    equipment(first: 5, filter: $filter) {\n      totalCount\n    }\n  }\n": typeof types.EquipmentCountDocument,
    "\n  query FirstEquipment($first: Int!) {\n    equipment(first: $first) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.FirstEquipmentDocument,
    "\n  mutation BulkUpdateNextMaintenance($ids: [ID!]!, $at: DateTime!) {\n    bulkUpdateNextMaintenance(ids: $ids, nextMaintenanceAt: $at) {\n      __typename\n      ...MutationError\n      ... on BulkUpdateNextMaintenanceSuccess {\n        equipment {\n          name\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n": typeof types.BulkUpdateNextMaintenanceDocument,
    "\n  mutation AddMaintenanceRecord($input: AddMaintenanceRecordInput!) {\n    addMaintenanceRecord(input: $input) {\n      __typename\n      ...MutationError\n      ... on AddMaintenanceRecordSuccess {\n        maintenanceRecord {\n          maintenanceDate\n          nextMaintenance\n          notes\n          performedBy {\n            name\n          }\n          equipment {\n            nextMaintenanceAt\n            maintenanceCount\n            lastMaintenanceAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.AddMaintenanceRecordDocument,
    "\n  fragment MutationError on Error {\n    __typename\n    message\n    ... on InputValidationError {\n      issues {\n        path\n        message\n      }\n    }\n    ... on ConflictError {\n      field\n    }\n    ... on NotFoundError {\n      entity\n    }\n  }\n": typeof types.MutationErrorFragmentDoc,
    "\n  mutation CreateInventoryItem($input: CreateInventoryItemInput!) {\n    createInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateInventoryItemSuccess {\n        inventoryItem {\n          id\n          sku\n          qty\n          minQty\n          isLowStock\n          responsibleUser {\n            name\n          }\n          movements(first: 5) {\n            edges {\n              node {\n                delta\n                reason\n                performedBy {\n                  name\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.CreateInventoryItemDocument,
    "\n  mutation AdjustStock($input: AdjustStockInput!) {\n    adjustStock(input: $input) {\n      __typename\n      ...MutationError\n      ... on InsufficientStockError {\n        available\n        requested\n      }\n      ... on AdjustStockSuccess {\n        inventoryItem {\n          qty\n          isLowStock\n        }\n      }\n    }\n  }\n": typeof types.AdjustStockDocument,
    "\n  mutation UpdateInventoryItem($input: UpdateInventoryItemInput!) {\n    updateInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateInventoryItemSuccess {\n        inventoryItem {\n          name\n          location\n          minQty\n          qty\n          responsibleUser {\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.UpdateInventoryItemDocument,
    "\n  query InventoryViewerId {\n    viewer {\n      id\n    }\n  }\n": typeof types.InventoryViewerIdDocument,
};
const documents: Documents = {
    "\n  mutation CreateEquipment($input: CreateEquipmentInput!) {\n    createEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateEquipmentSuccess {\n        equipment {\n          id\n          name\n          serialNumber\n          status\n          category\n          nextMaintenanceAt\n          createdBy {\n            name\n          }\n        }\n      }\n    }\n  }\n": types.CreateEquipmentDocument,
    "\n  mutation UpdateEquipment($input: UpdateEquipmentInput!) {\n    updateEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateEquipmentSuccess {\n        equipment {\n          name\n          status\n          serialNumber\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n": types.UpdateEquipmentDocument,
    "\n  mutation DeleteEquipment($id: ID!) {\n    deleteEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on DeleteEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n": types.DeleteEquipmentDocument,
    "\n  mutation RestoreEquipment($id: ID!) {\n    restoreEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on RestoreEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n": types.RestoreEquipmentDocument,
    "\n  query EquipmentCount($filter: EquipmentFilter) {\n    equipment(first: 5, filter: $filter) {\n      totalCount\n    }\n  }\n": types.EquipmentCountDocument,
    "\n  query FirstEquipment($first: Int!) {\n    equipment(first: $first) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.FirstEquipmentDocument,
    "\n  mutation BulkUpdateNextMaintenance($ids: [ID!]!, $at: DateTime!) {\n    bulkUpdateNextMaintenance(ids: $ids, nextMaintenanceAt: $at) {\n      __typename\n      ...MutationError\n      ... on BulkUpdateNextMaintenanceSuccess {\n        equipment {\n          name\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n": types.BulkUpdateNextMaintenanceDocument,
    "\n  mutation AddMaintenanceRecord($input: AddMaintenanceRecordInput!) {\n    addMaintenanceRecord(input: $input) {\n      __typename\n      ...MutationError\n      ... on AddMaintenanceRecordSuccess {\n        maintenanceRecord {\n          maintenanceDate\n          nextMaintenance\n          notes\n          performedBy {\n            name\n          }\n          equipment {\n            nextMaintenanceAt\n            maintenanceCount\n            lastMaintenanceAt\n          }\n        }\n      }\n    }\n  }\n": types.AddMaintenanceRecordDocument,
    "\n  fragment MutationError on Error {\n    __typename\n    message\n    ... on InputValidationError {\n      issues {\n        path\n        message\n      }\n    }\n    ... on ConflictError {\n      field\n    }\n    ... on NotFoundError {\n      entity\n    }\n  }\n": types.MutationErrorFragmentDoc,
    "\n  mutation CreateInventoryItem($input: CreateInventoryItemInput!) {\n    createInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateInventoryItemSuccess {\n        inventoryItem {\n          id\n          sku\n          qty\n          minQty\n          isLowStock\n          responsibleUser {\n            name\n          }\n          movements(first: 5) {\n            edges {\n              node {\n                delta\n                reason\n                performedBy {\n                  name\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": types.CreateInventoryItemDocument,
    "\n  mutation AdjustStock($input: AdjustStockInput!) {\n    adjustStock(input: $input) {\n      __typename\n      ...MutationError\n      ... on InsufficientStockError {\n        available\n        requested\n      }\n      ... on AdjustStockSuccess {\n        inventoryItem {\n          qty\n          isLowStock\n        }\n      }\n    }\n  }\n": types.AdjustStockDocument,
    "\n  mutation UpdateInventoryItem($input: UpdateInventoryItemInput!) {\n    updateInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateInventoryItemSuccess {\n        inventoryItem {\n          name\n          location\n          minQty\n          qty\n          responsibleUser {\n            name\n          }\n        }\n      }\n    }\n  }\n": types.UpdateInventoryItemDocument,
    "\n  query InventoryViewerId {\n    viewer {\n      id\n    }\n  }\n": types.InventoryViewerIdDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateEquipment($input: CreateEquipmentInput!) {\n    createEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateEquipmentSuccess {\n        equipment {\n          id\n          name\n          serialNumber\n          status\n          category\n          nextMaintenanceAt\n          createdBy {\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateEquipment($input: CreateEquipmentInput!) {\n    createEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateEquipmentSuccess {\n        equipment {\n          id\n          name\n          serialNumber\n          status\n          category\n          nextMaintenanceAt\n          createdBy {\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateEquipment($input: UpdateEquipmentInput!) {\n    updateEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateEquipmentSuccess {\n        equipment {\n          name\n          status\n          serialNumber\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateEquipment($input: UpdateEquipmentInput!) {\n    updateEquipment(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateEquipmentSuccess {\n        equipment {\n          name\n          status\n          serialNumber\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteEquipment($id: ID!) {\n    deleteEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on DeleteEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteEquipment($id: ID!) {\n    deleteEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on DeleteEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestoreEquipment($id: ID!) {\n    restoreEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on RestoreEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RestoreEquipment($id: ID!) {\n    restoreEquipment(id: $id) {\n      __typename\n      ...MutationError\n      ... on RestoreEquipmentSuccess {\n        equipment {\n          deletedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EquipmentCount($filter: EquipmentFilter) {\n    equipment(first: 5, filter: $filter) {\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query EquipmentCount($filter: EquipmentFilter) {\n    equipment(first: 5, filter: $filter) {\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FirstEquipment($first: Int!) {\n    equipment(first: $first) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query FirstEquipment($first: Int!) {\n    equipment(first: $first) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BulkUpdateNextMaintenance($ids: [ID!]!, $at: DateTime!) {\n    bulkUpdateNextMaintenance(ids: $ids, nextMaintenanceAt: $at) {\n      __typename\n      ...MutationError\n      ... on BulkUpdateNextMaintenanceSuccess {\n        equipment {\n          name\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation BulkUpdateNextMaintenance($ids: [ID!]!, $at: DateTime!) {\n    bulkUpdateNextMaintenance(ids: $ids, nextMaintenanceAt: $at) {\n      __typename\n      ...MutationError\n      ... on BulkUpdateNextMaintenanceSuccess {\n        equipment {\n          name\n          nextMaintenanceAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddMaintenanceRecord($input: AddMaintenanceRecordInput!) {\n    addMaintenanceRecord(input: $input) {\n      __typename\n      ...MutationError\n      ... on AddMaintenanceRecordSuccess {\n        maintenanceRecord {\n          maintenanceDate\n          nextMaintenance\n          notes\n          performedBy {\n            name\n          }\n          equipment {\n            nextMaintenanceAt\n            maintenanceCount\n            lastMaintenanceAt\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AddMaintenanceRecord($input: AddMaintenanceRecordInput!) {\n    addMaintenanceRecord(input: $input) {\n      __typename\n      ...MutationError\n      ... on AddMaintenanceRecordSuccess {\n        maintenanceRecord {\n          maintenanceDate\n          nextMaintenance\n          notes\n          performedBy {\n            name\n          }\n          equipment {\n            nextMaintenanceAt\n            maintenanceCount\n            lastMaintenanceAt\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MutationError on Error {\n    __typename\n    message\n    ... on InputValidationError {\n      issues {\n        path\n        message\n      }\n    }\n    ... on ConflictError {\n      field\n    }\n    ... on NotFoundError {\n      entity\n    }\n  }\n"): (typeof documents)["\n  fragment MutationError on Error {\n    __typename\n    message\n    ... on InputValidationError {\n      issues {\n        path\n        message\n      }\n    }\n    ... on ConflictError {\n      field\n    }\n    ... on NotFoundError {\n      entity\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateInventoryItem($input: CreateInventoryItemInput!) {\n    createInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateInventoryItemSuccess {\n        inventoryItem {\n          id\n          sku\n          qty\n          minQty\n          isLowStock\n          responsibleUser {\n            name\n          }\n          movements(first: 5) {\n            edges {\n              node {\n                delta\n                reason\n                performedBy {\n                  name\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateInventoryItem($input: CreateInventoryItemInput!) {\n    createInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on CreateInventoryItemSuccess {\n        inventoryItem {\n          id\n          sku\n          qty\n          minQty\n          isLowStock\n          responsibleUser {\n            name\n          }\n          movements(first: 5) {\n            edges {\n              node {\n                delta\n                reason\n                performedBy {\n                  name\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AdjustStock($input: AdjustStockInput!) {\n    adjustStock(input: $input) {\n      __typename\n      ...MutationError\n      ... on InsufficientStockError {\n        available\n        requested\n      }\n      ... on AdjustStockSuccess {\n        inventoryItem {\n          qty\n          isLowStock\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AdjustStock($input: AdjustStockInput!) {\n    adjustStock(input: $input) {\n      __typename\n      ...MutationError\n      ... on InsufficientStockError {\n        available\n        requested\n      }\n      ... on AdjustStockSuccess {\n        inventoryItem {\n          qty\n          isLowStock\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateInventoryItem($input: UpdateInventoryItemInput!) {\n    updateInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateInventoryItemSuccess {\n        inventoryItem {\n          name\n          location\n          minQty\n          qty\n          responsibleUser {\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateInventoryItem($input: UpdateInventoryItemInput!) {\n    updateInventoryItem(input: $input) {\n      __typename\n      ...MutationError\n      ... on UpdateInventoryItemSuccess {\n        inventoryItem {\n          name\n          location\n          minQty\n          qty\n          responsibleUser {\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query InventoryViewerId {\n    viewer {\n      id\n    }\n  }\n"): (typeof documents)["\n  query InventoryViewerId {\n    viewer {\n      id\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;