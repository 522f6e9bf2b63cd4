/** Lua scripts on a station's presence record (`{ replicaId, connectionId, … }` as JSON), each atomic in Redis. */

/** What both scripts return when the record names another connection of the station. */
export const PRESENCE_OF_ANOTHER = -1;

/** Deletes the record only while it names our connection (ARGV[1]): 1 deleted, 0 none. */
export const REMOVE_PRESENCE = `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if cjson.decode(v).connectionId == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return ${PRESENCE_OF_ANOTHER}`;

/**
 * Rewrites the record (ARGV[1], TTL ARGV[3] s) only while it names our connection (ARGV[2]) or is
 * gone: a newer connection's record, from a replica whose claim we missed, is never overwritten.
 */
export const REFRESH_PRESENCE = `local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).connectionId ~= ARGV[2] then return ${PRESENCE_OF_ANOTHER} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1`;
