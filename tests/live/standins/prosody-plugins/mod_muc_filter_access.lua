-- TEST STAND-IN, loaded only by jitsi-topology's live test (tests/live/run), never deployed.
-- Jitsi's mod_muc_filter_access ships in jitsi-meet-prosody, which Debian does not package.
-- Written for the test from what the real module does (jitsi-meet
-- resources/prosody-plugins/mod_muc_filter_access.lua at abf901a4, fork Pie-D/jitsi-meet; the
-- same file at stable/jitsi-meet_9646, 23be1469), nothing more:
--  - the one option it reads: `muc_filter_whitelist`, as a set of domains (l.5);
--  - without it, it does nothing (l.7-10);
--  - presence to this component whose sender has no domain in the set, or no sender, is dropped
--    without an answer, logged at level "error" (l.14-22);
--  - on presence to the component itself, to a room and to an occupant, ahead of the MUC
--    (priority 2000; l.25-27).
local domains = module:get_option_set("muc_filter_whitelist");

if not domains then
	module:log("warn", "jitsi-topology live test: STAND-IN muc_filter_access: no muc_filter_whitelist, inactive");
	return;
end

local jid_host = require "util.jid".host;

local function refuse_foreign_presence(event)
	local from = event.stanza.attr.from;
	if not from or not domains:contains(jid_host(from)) then
		module:log("error", "jitsi-topology live test: STAND-IN muc_filter_access dropped presence from %s to %s",
			tostring(from), tostring(event.stanza.attr.to));
		return true;
	end
end

for _, to in ipairs({ "host", "bare", "full" }) do
	module:hook("presence/" .. to, refuse_foreign_presence, 2000);
end

module:log("info", "jitsi-topology live test: STAND-IN muc_filter_access loaded, muc_filter_whitelist = %s", tostring(domains));
