-- TEST STAND-IN, loaded only by jitsi-topology's live test (tests/live/run), never deployed.
-- Jitsi's mod_auth_token (jitsi-meet-prosody) checks the session's token with its token library,
-- resources/prosody-plugins/token/util.lib.lua at Pie-D/jitsi-meet@abf901a. This stand-in reads
-- exactly the options that library reads for a shared secret (Util.new, l.61-68 and 130-133:
-- app_id, app_secret, asap_key_server, allow_empty_token, asap_accepted_issuers with app_id as its
-- default, asap_accepted_audiences with "*" as its default) and verifies HS256 as luajwtjitsi
-- does (luajwtjitsi.lib.lua l.184-260: the header's alg, the HMAC-SHA256 signature, exp, then
-- iss and aud against the accepted lists, "*" accepting any), with the same Lua libraries: basexx,
-- cjson.safe and luaossl's openssl.hmac, loaded on Lua 5.4 (basexx through the rendered shim).
-- Like mod_auth_token (l.106-160) it answers SASL ANONYMOUS, registering its own ANONYMOUS
-- mechanism, which fails instead of retrying when the token is refused.
local basexx = require "basexx";
local cjson = require "cjson.safe";
local hmac = require "openssl.hmac";
local new_sasl = require "util.sasl".new;
local sasl = require "util.sasl";
local generate_uuid = require "util.uuid".generate;

module:depends("jitsi_session");

local app_id = module:get_option_string("app_id");
local app_secret = module:get_option_string("app_secret");
local key_server = module:get_option_string("asap_key_server");
local allow_empty = module:get_option_boolean("allow_empty_token");
local issuers = module:get_option_array("asap_accepted_issuers", { app_id });
local audiences = module:get_option_array("asap_accepted_audiences", { "*" });

if app_id == nil then
	module:log("error", "STAND-IN auth_token: 'app_id' must not be empty");
	return;
end
if app_secret == nil and key_server == nil then
	module:log("error", "STAND-IN auth_token: 'app_secret' or 'asap_key_server' must be specified");
	return;
end

local function accepted(claim, list)
	for _, v in ipairs(list) do
		if v == "*" or v == claim then return true; end
	end
	return false;
end

local function verify(token)
	if token == nil then
		if allow_empty then return true; end
		return false, "token required";
	end
	local h, c, sig = token:match("^([^.]+)%.([^.]+)%.([^.]+)$");
	if not h then return false, "invalid token format"; end
	local header = cjson.decode(basexx.from_url64(h) or "");
	local claims = cjson.decode(basexx.from_url64(c) or "");
	if type(header) ~= "table" or type(claims) ~= "table" then return false, "invalid token"; end
	if header.alg ~= "HS256" then return false, "invalid alg"; end
	if app_secret == nil then return false, "asap_key_server is not supported by this stand-in"; end
	if basexx.to_url64(hmac.new(app_secret, "sha256"):final(h .. "." .. c)) ~= sig then
		return false, "signature verification failed";
	end
	if claims.exp and os.time() >= claims.exp then return false, "expired"; end
	if claims.iss == nil or not accepted(claims.iss, issuers) then return false, "invalid 'iss' claim"; end
	if claims.aud == nil or not accepted(claims.aud, audiences) then return false, "invalid 'aud' claim"; end
	return true;
end

local provider = {};
local unsupported = "the auth_token stand-in has no accounts";
function provider.test_password() return nil, unsupported; end
function provider.get_password() return nil, unsupported; end
function provider.set_password() return nil, unsupported; end
function provider.user_exists() return nil, unsupported; end
function provider.create_user() return nil, unsupported; end
function provider.delete_user() return nil, unsupported; end
function provider.users() return next, {}, nil; end

function provider.get_sasl_handler(session)
	return new_sasl(module.host, {
		anonymous = function(self, username)
			local ok, reason = verify(session.auth_token);
			if not ok then
				module:log("warn", "STAND-IN auth_token refused a token: %s", reason);
				session.auth_token = nil;
				return false, "not-allowed", reason;
			end
			module:log("info", "STAND-IN auth_token accepted a token");
			self.username = username;
			return true;
		end;
	});
end

module:provides("auth", provider);

local function anonymous(self, message)
	local username = generate_uuid();
	local result, err, msg = self.profile.anonymous(self, username, self.realm);
	if result == true then
		-- as mod_auth_token l.150-153: other hosts' anonymous profiles (the guest host's) leave
		-- the name to the mechanism
		if self.username == nil then
			self.username = username;
		end
		return "success";
	end
	return "failure", err, msg;
end
sasl.registerMechanism("ANONYMOUS", { "anonymous" }, anonymous);
module:log("info", "jitsi-topology live test: STAND-IN auth_token loaded (app_id %s, %d issuers, %d audiences)", app_id, #issuers, #audiences);
