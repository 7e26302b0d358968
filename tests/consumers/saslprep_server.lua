-- Answers with prosody's own SASLprep (util.encodings.stringprep.saslprep, the C module
-- prosody stores and checks passwords with), one string after another in one Lua process.
--
--   lua5.4 tests/consumers/saslprep_server.lua [PROSODY_LIB_DIR]   (default /usr/lib/prosody)
--
-- Each line of standard input is a string in hexadecimal (any bytes). For each, one line is
-- printed: two words, what `saslprep(s)` returns (the call prosody's password code makes,
-- util/sasl/scram.lua) and what `saslprep(s, true)` (strict: unassigned code points
-- refused) returns, each in hexadecimal, or `-` for nil (refused).
local dir = arg[1] or "/usr/lib/prosody"
package.path = dir .. "/?.lua;" .. package.path
package.cpath = dir .. "/?.so;" .. package.cpath

local saslprep = require "util.encodings".stringprep.saslprep

local function hex(s)
  if s == nil then
    return "-"
  end
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function unhex(h)
  return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

io.stdout:setvbuf("line")
for line in io.lines() do
  local s = unhex(line)
  io.stdout:write(hex(saslprep(s)), " ", hex(saslprep(s, true)), "\n")
end
