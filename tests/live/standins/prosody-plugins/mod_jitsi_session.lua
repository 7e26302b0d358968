-- TEST STAND-IN, loaded only by jitsi-topology's live test (tests/live/run), never deployed.
-- Jitsi's mod_jitsi_session (jitsi-meet-prosody; resources/prosody-plugins/mod_jitsi_session.lua
-- at Pie-D/jitsi-meet@abf901a, l.26-71) puts the token of a BOSH or WebSocket request into the
-- session: the `token` query parameter (or an `Authorization: Bearer` header), and the request
-- header named by `region_header_name` (default x_proxy_region) as session.user_region (l.24,
-- 63), on the global events bosh-session and websocket-session. This stand-in does that, and
-- logs the region (issue 21), and nothing else.
module:set_global();
local formdecode = require "util.http".formdecode;
local region_header_name = module:get_option_string("region_header_name", "x_proxy_region");

local function init_session(event)
	local session, request = event.session, event.request;
	local token;
	local authorization = request.headers["authorization"];
	if authorization then
		token = authorization:sub(8);
	end
	local query = request.url.query;
	if query ~= nil then
		local params = formdecode(query);
		if params and params.token then
			token = params.token;
		end
	end
	session.auth_token = token;
	session.user_region = request.headers[region_header_name];
	module:log("info", "jitsi-topology live test: STAND-IN jitsi_session: room %s user_region %s",
		tostring(query and (formdecode(query) or {}).room), tostring(session.user_region));
end

module:hook_global("bosh-session", init_session, 1);
module:hook_global("websocket-session", init_session, 1);
module:log("info", "jitsi-topology live test: STAND-IN jitsi_session loaded");
