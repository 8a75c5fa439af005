/** The page size a connection gets when neither first nor last is given. */
export const DEFAULT_PAGE_SIZE = 20;

/** The most rows one page may hold: first and last above it are refused. */
export const MAX_PAGE_SIZE = 100;
