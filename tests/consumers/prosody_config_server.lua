-- Reads prosody configs with prosody's own config loader (core.configmanager, the code
-- prosody and prosodyctl run), one after another in one long-lived Lua process.
--
--   lua5.4 tests/consumers/prosody_config_server.lua
--
-- Each line of standard input is the path of a config file. For each, one line of JSON is
-- printed: {"ok": true, "config": {HOST: {OPTION: VALUE}}, "warnings": [...]} where HOST is
-- "*" for global options, or {"ok": false, "error": "..."} when prosody would not load it.
-- `ENV_NAME` values resolve from this process's environment, as in prosody.
package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath

local configmanager = require "core.configmanager"
local cjson = require "cjson"

-- Options and nested tables as plain tables (no metatables), keys as strings.
local function plain(v)
  if type(v) ~= "table" then
    return v
  end
  local out = {}
  for k, x in pairs(v) do
    out[tostring(k)] = plain(x)
  end
  return out
end

for path in io.lines() do
  local ok, kind, err = configmanager.load(path)
  local reply
  if ok then
    local config = {}
    for host, options in pairs(configmanager.getconfig()) do
      config[host] = plain(options)
    end
    local warnings = {}
    for _, w in ipairs(type(err) == "table" and err or {}) do
      warnings[#warnings + 1] = tostring(w)
    end
    reply = { ok = true, config = config, warnings = warnings }
  else
    reply = { ok = false, error = tostring(kind) .. ": " .. tostring(err) }
  end
  local encoded_ok, line = pcall(cjson.encode, reply)
  if not encoded_ok then
    line = cjson.encode({ ok = false, error = "cannot encode the result as JSON: " .. tostring(line) })
  end
  io.write(line, "\n")
  io.flush()
end
