// Flush the page cache to the store files and let the retention policy prune the transaction
// logs now. Enterprise Edition only (Community has no such procedure and checkpoints on its
// own schedule, db.checkpoint.interval.*): purge tries it and goes on without.
CALL db.checkpoint() YIELD success, message
RETURN success, message
