-- TEST STAND-IN, loaded only by jitsi-topology's live test (tests/live/run), never deployed.
-- The real mod_roster_command (prosody-modules; also shipped by jitsi-meet-prosody) is not in
-- Debian. This stand-in implements the one command the rendered roster-subscribe step runs:
--
--   prosodyctl mod_roster_command subscribe USER CONTACT
--
-- USER becomes subscribed to CONTACT's presence: CONTACT's roster gets an item for USER with
-- subscription "from" (or "both"). When USER is a bare domain (a component such as jicofo's
-- client_proxy) it has no roster, so only CONTACT's roster changes.
if module.host ~= "*" then
	module:log("error", "mod_roster_command is a prosodyctl command, not a module to enable");
	return;
end

local jid = require "util.jid";
local rostermanager = require "core.rostermanager";
local storagemanager = require "core.storagemanager";
local usermanager = require "core.usermanager";

local function prepare(host)
	if not prosody.hosts[host] then
		return nil, "host " .. host .. " is not in the configuration";
	end
	storagemanager.initialize_host(host);
	usermanager.initialize_host(host);
	return true;
end

local function subscribe(user_jid, contact_jid)
	local user, user_host = jid.split(user_jid);
	local contact, contact_host = jid.split(contact_jid);
	if not contact then
		return nil, "CONTACT must be an account (user@host), got " .. tostring(contact_jid);
	end
	local ok, err = prepare(contact_host);
	if not ok then return nil, err; end
	local roster = rostermanager.load_roster(contact, contact_host);
	local item = roster[user_jid] or { groups = {} };
	local sub = item.subscription;
	item.subscription = (sub == "to" or sub == "both") and "both" or "from";
	item.ask = nil;
	roster[user_jid] = item;
	if not rostermanager.save_roster(contact, contact_host, roster, user_jid) then
		return nil, "could not save the roster of " .. contact_jid;
	end
	if user then -- an account on a VirtualHost: its own roster shows the subscription too
		ok, err = prepare(user_host);
		if not ok then return nil, err; end
		local uroster = rostermanager.load_roster(user, user_host);
		local uitem = uroster[contact_jid] or { groups = {} };
		local usub = uitem.subscription;
		uitem.subscription = (usub == "from" or usub == "both") and "both" or "to";
		uitem.ask = nil;
		uroster[contact_jid] = uitem;
		if not rostermanager.save_roster(user, user_host, uroster, contact_jid) then
			return nil, "could not save the roster of " .. user_jid;
		end
	end
	return true;
end

function module.command(arg)
	local command = table.remove(arg, 1);
	if command ~= "subscribe" or #arg ~= 2 then
		print("usage (test stand-in): prosodyctl mod_roster_command subscribe USER CONTACT");
		return 1;
	end
	local ok, err = subscribe(arg[1], arg[2]);
	if not ok then
		print("mod_roster_command stand-in: " .. err);
		return 1;
	end
	print("mod_roster_command (test stand-in): " .. arg[1] .. " subscribed to " .. arg[2]);
	return 0;
end
