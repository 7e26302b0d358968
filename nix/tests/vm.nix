# NixOS VM test: a signalling host and two bridges configured by services.jitsi-topology from one
# topology; jicofo must see both bridges in its brewery.
#
# NOT RUN where it was written: that machine has no nixpkgs (and no KVM). It is the flake's
# check `vm-two-bridges`; run it where nixpkgs is available:
#   nix build .#checks.x86_64-linux.vm-two-bridges -L
# The offline suite (nix/tests/run) only parses it and evaluates the module's mapping with a
# stand-in module system.
#
# The test's certificates (a CA, prosody's auth.<domain> certificate, nginx's) and passwords
# are made for the test and land in the Nix store on purpose: never do that outside a test.
{ module }:
let
  domain = "meet.example.com";
  # The whole deployment, the same on every host (nix/tests/run validates it offline).
  topologyFor = pkgs: import ./vm-topology.nix { inherit pkgs; };

  node =
    { host, address }:
    {
      lib,
      pkgs,
      ...
    }:
    {
      imports = [ module ];

      virtualisation.vlans = [ 1 ];
      virtualisation.memorySize = 2048;
      networking.interfaces.eth1.ipv4.addresses = lib.mkForce [
        {
          inherit address;
          prefixLength = 24;
        }
      ];

      services.jitsi-topology = {
        enable = true;
        topology = topologyFor pkgs;
        inherit host;
      };

      # Test passwords (in the store: test only). The module makes them readable by the
      # jitsi-meet group.
      environment.etc."jitsi-topology/secrets/focus" = {
        text = "test-focus-password-0123456789\n";
        mode = "0600";
      };
      environment.etc."jitsi-topology/secrets/jvb" = {
        text = "test-jvb-password-0123456789\n";
        mode = "0600";
      };

      environment.systemPackages = [
        pkgs.curl
        pkgs.jq
      ];
    };
in
{
  name = "jitsi-topology-two-bridges";

  nodes = {
    meet = node {
      host = domain;
      address = "10.0.0.10";
    };
    jvb1 = node {
      host = "jvb1.${domain}";
      address = "10.0.0.11";
    };
    jvb2 = node {
      host = "jvb2.${domain}";
      address = "10.0.0.12";
    };
  };

  testScript = ''
    start_all()

    meet.wait_for_unit("prosody.service")
    meet.wait_for_unit("jicofo.service")
    meet.wait_for_unit("nginx.service")
    for bridge in [jvb1, jvb2]:
        bridge.wait_for_unit("jitsi-topology-truststore.service")
        bridge.wait_for_unit("jitsi-videobridge2.service")

    with subtest("the firewall lets only the bridge network reach prosody's 5222"):
        meet.succeed("iptables -S nixos-fw | grep -F -- '-s 10.0.0.0/24' | grep -F -- '--dport 5222'")
        jvb1.succeed("iptables -S nixos-fw | grep -F -- '--dport 10000'")

    with subtest("both bridges log in as jvb@auth.${domain}, verifying prosody's certificate"):
        meet.wait_until_succeeds(
            "test $(journalctl -b -u prosody -o cat | grep -c 'Authenticated as jvb@auth.${domain}') -ge 2",
            timeout=300,
        )

    with subtest("jicofo sees both bridges"):
        meet.wait_until_succeeds(
            "curl -sf http://127.0.0.1:8888/stats"
            " | jq -e '.bridge_selector.bridge_count == 2 and .bridge_selector.operational_bridge_count == 2'",
            timeout=300,
        )
        for nickname in ["jvb1.${domain}", "jvb2.${domain}"]:
            meet.wait_until_succeeds(
                f"journalctl -b -u jicofo -o cat | grep -F 'jvbbrewery@internal.auth.${domain}/{nickname}'",
                timeout=60,
            )

    with subtest("the web front answers"):
        meet.succeed("curl -sfk --resolve ${domain}:443:127.0.0.1 https://${domain}/ | grep -q '<title>'")
  '';
}
