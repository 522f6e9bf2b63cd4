/**
 * Lua scripts on a station's presence record (`{ replicaId, connectionId, … }` as JSON) and on the
 * replica liveness hashes, each atomic in Redis. Every key a script touches is passed in KEYS, all
 * of one hash slot (see RedisKeys), so that they run on a Redis Cluster too.
 */

/** What the presence scripts return when the record names another connection of the station (or changed since read). */
export const PRESENCE_OF_ANOTHER = -1;

/** Deletes the record only while it names our connection (ARGV[1]): 1 deleted, 0 none. */
export const REMOVE_PRESENCE = `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if cjson.decode(v).connectionId == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return ${PRESENCE_OF_ANOTHER}`;

/**
 * Deletes the record only while it is exactly the one read (ARGV[1]): 1 deleted, 0 none,
 * {@link PRESENCE_OF_ANOTHER} when it changed. For a clean-up after another replica, which reads
 * the record first: that replica, only stalled, may have rewritten it since for a connection it
 * still holds (same connection id, later `lastSeenAt`), which must keep its record.
 */
export const REMOVE_PRESENCE_IF_UNCHANGED = `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return ${PRESENCE_OF_ANOTHER}`;

/**
 * Rewrites the record (ARGV[1], TTL ARGV[3] s) only while it names our connection (ARGV[2]) or is
 * gone: a newer connection's record, from a replica whose claim we missed, is never overwritten.
 */
export const REFRESH_PRESENCE = `local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).connectionId ~= ARGV[2] then return ${PRESENCE_OF_ANOTHER} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1`;

/** Redis server time in ms: replicas' clocks may disagree, Redis's is the one every beat is read against. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * A new connection's record (ARGV[1], a JSON object without `claim`; TTL ARGV[2] s), over whatever
 * was there, stamped with its claim: Redis server time in ms, or one more than the claim of the
 * record it replaces if that is not less. Returns the claim. Scripts run one at a time, so of two
 * connections of a station the later to register has the greater claim, whatever the replicas'
 * clocks say, and the record names it. (A record gone meanwhile, expired or removed, leaves only
 * Redis's clock to order by: it would have to step back to order a newer connection first.)
 */
export const CLAIM_PRESENCE = `${NOW_MS}
local claim = now
local v = redis.call('GET', KEYS[1])
if v then
  local held = tonumber(cjson.decode(v).claim)
  if held and held >= claim then claim = held + 1 end
end
redis.call('SET', KEYS[1], string.sub(ARGV[1], 1, -2) .. ',"claim":' .. string.format('%.0f', claim) .. '}', 'EX', ARGV[2])
return claim`;

/**
 * A replica's beat: records it (KEYS[1] hash, field ARGV[1]) and clears any claim on it (KEYS[2])
 * and the mark peers leave when they declared it lost (KEYS[3], field → until when it holds): it is
 * alive, its re-announcement covers its stations. Returns 1 when that mark was there: the replica
 * must announce its stations again, as peers have published their disconnection.
 */
export const BEAT = `${NOW_MS}
redis.call('HSET', KEYS[1], ARGV[1], now)
redis.call('HDEL', KEYS[2], ARGV[1])
local mark = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
redis.call('HDEL', KEYS[3], ARGV[1])
if mark and mark > now then return 1 end
return 0`;

/**
 * Claims the replicas (other than ARGV[1]) whose last beat in KEYS[1] is older than ARGV[2] ms:
 * moves each from the beats to the claims (KEYS[2], id → claim time) and marks it lost (KEYS[3],
 * id → now + ARGV[3] ms), atomically, so exactly one peer handles each. A claim not renewed for as
 * long (its claimant died, or lost Redis, mid-way; see RENEW_CLAIM) is taken over the same way,
 * unless the replica beats again. Expired marks are dropped, and the marks' hash expires with the
 * newest. Returns their ids.
 */
export const CLAIM_LOST_REPLICAS = `${NOW_MS}
local lost = {}
local markMs = tonumber(ARGV[3])
local beats = redis.call('HGETALL', KEYS[1])
for i = 1, #beats, 2 do
  local id, at = beats[i], tonumber(beats[i + 1])
  if id ~= ARGV[1] and (at == nil or now - at > tonumber(ARGV[2])) then
    redis.call('HDEL', KEYS[1], id)
    redis.call('HSET', KEYS[2], id, now)
    redis.call('HSET', KEYS[3], id, now + markMs)
    redis.call('PEXPIRE', KEYS[3], markMs)
    lost[#lost + 1] = id
  end
end
local claims = redis.call('HGETALL', KEYS[2])
for i = 1, #claims, 2 do
  local id, at = claims[i], tonumber(claims[i + 1])
  if id ~= ARGV[1] and (at == nil or now - at > tonumber(ARGV[2])) and redis.call('HEXISTS', KEYS[1], id) == 0 then
    redis.call('HSET', KEYS[2], id, now)
    lost[#lost + 1] = id
  end
end
local marks = redis.call('HGETALL', KEYS[3])
for i = 1, #marks, 2 do
  local until_ = tonumber(marks[i + 1])
  if until_ == nil or until_ <= now then redis.call('HDEL', KEYS[3], marks[i]) end
end
return lost`;

/** The claimant of a lost replica (KEYS[1] claims, field ARGV[1]) is still at work: renews its claim, unless it is gone (the replica beat again). */
export const RENEW_CLAIM = `${NOW_MS}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], now)
return 1`;
