/**
 * A runtime list of every column of every table, checked against the row types at compile time:
 * a missing or extra key is a type error. The schema test compares it with the migrated database.
 */
export type ColumnsOf<T> = { [Table in keyof T]: { [Col in keyof T[Table]]-?: 1 } };
