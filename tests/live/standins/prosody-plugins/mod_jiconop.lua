-- TEST STAND-IN, loaded only by jitsi-topology's live test (tests/live/run), never deployed.
-- Jitsi's mod_jiconop (jitsi-meet-prosody; resources/prosody-plugins/mod_jiconop.lua at
-- Pie-D/jitsi-meet@abf901a) is what tells a client which shard it reached: it loads
-- external_services (l.2), does nothing without muc_mapper_domain_base (l.8-12), adds the
-- server identities "shard" (option shard_name, l.14-17) and "region" (region_name, l.19-22),
-- and after resource binding sends the client a message whose disco#info query lists the main
-- host's identities (l.33-71). lib-jitsi-meet takes the shard identity as the shard it compares
-- keep-alive answers with (modules/xmpp/xmpp.ts l.674-675 at jitsi/lib-jitsi-meet
-- jitsi-meet_11146, f9c1a436). This stand-in does exactly that much, and logs what it announced.
local st = require "util.stanza";
module:depends("external_services");

local main_host = module:get_option_string("muc_mapper_domain_base");
if not main_host then
	module:log("warn", "jitsi-topology live test: STAND-IN jiconop: no muc_mapper_domain_base");
	return;
end

local shard = module:get_option_string("shard_name");
if shard then module:add_identity("server", "shard", shard); end
local region = module:get_option_string("region_name");
if region then module:add_identity("server", "region", region); end

module:hook("resource-bind", function (event)
	local session = event.session;
	local query = st.stanza("query", { xmlns = "http://jabber.org/protocol/disco#info" });
	for _, identity in ipairs(module:context(main_host):get_host_items("identity")) do
		query:tag("identity", identity):up();
	end
	session.send(st.message({ from = module.host, to = session.full_jid }):add_child(query));
	module:log("info", "jitsi-topology live test: STAND-IN jiconop announced shard %s to %s",
		tostring(shard), session.full_jid);
end);
module:log("info", "jitsi-topology live test: STAND-IN jiconop loaded (shard_name %s)", tostring(shard));
