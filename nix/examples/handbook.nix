# The Jitsi handbook's scalable setup, written in Nix: the same model as
# examples/handbook.yaml (nix/tests/run checks that both render byte for byte the same tree).
# One signalling host (nginx, jitsi-meet web, prosody, jicofo) and three videobridges on a
# private network, each reachable from the internet through its own public address (1:1 NAT).
{
  release = "stable-11146";
  platform.prosody = "0.12";
  domain = "meet.example.com";
  tls = {
    mode = "own";
    certificate = "/etc/ssl/meet.example.com.crt";
    key = "/etc/ssl/meet.example.com.key";
  };
  jaas = false;
  # Paths on the hosts (create them with `jitsi-topology secrets init`): Nix accepts only
  # `file` secrets, so neither the store nor any rendered file holds a password.
  secrets = {
    focus.file = "/etc/jitsi-topology/secrets/focus";
    jvb.file = "/etc/jitsi-topology/secrets/jvb";
  };
  signaling = {
    host = "meet.example.com";
    address = "10.0.0.10";
  };
  bridges = [
    {
      host = "jvb1.meet.example.com";
      address = "10.0.0.11";
      public_address = "198.51.100.11";
      jvm_max_memory = "8g";
    }
    {
      host = "jvb2.meet.example.com";
      address = "10.0.0.12";
      public_address = "198.51.100.12";
      jvm_max_memory = "8g";
    }
    {
      host = "jvb3.meet.example.com";
      address = "10.0.0.13";
      public_address = "198.51.100.13";
      jvm_max_memory = "8g";
    }
  ];
  bridge_networks = [ "10.0.0.0/24" ];
  firewall.admin_networks = [ "192.0.2.0/24" ];
}
