-- TEST STAND-IN, loaded only by jitsi-topology's live test (tests/live/run), never deployed.
-- Jitsi's mod_auth_jitsi-anonymous ships in jitsi-meet-prosody, which Debian does not package.
-- This stand-in gives the rendered `authentication = "jitsi-anonymous"` host what the test
-- needs from it: SASL ANONYMOUS logins (as Prosody's own mod_auth_anonymous does), no accounts.
local new_sasl = require "util.sasl".new;

local provider = {};
local unsupported = "the jitsi-anonymous stand-in has no accounts";

function provider.test_password() return nil, unsupported; end
function provider.get_password() return nil, unsupported; end
function provider.set_password() return nil, unsupported; end
function provider.user_exists() return nil, unsupported; end
function provider.create_user() return nil, unsupported; end
function provider.delete_user() return nil, unsupported; end
function provider.users() return next, {}, nil; end

function provider.get_sasl_handler()
	return new_sasl(module.host, {
		anonymous = function() return true; end;
	});
end

module:log("info", "jitsi-topology live test: STAND-IN auth provider jitsi-anonymous loaded");
module:provides("auth", provider);
