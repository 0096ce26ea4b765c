/**
 * IPC channel names shared by the main-process adapter and the preload. Kept free of imports so the
 * sandboxed preload bundle stays self-contained.
 */
export const CMD_CHANNEL_PREFIX = 'marshal:cmd:';
export const PUSH_CHANNEL = 'marshal:push';
