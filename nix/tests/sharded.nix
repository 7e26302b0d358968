# Two shards behind a front door sharing a bridge pool (as examples/shards.yaml), for the
# claims about what the NixOS module maps: bridges serve several shards; the front door and
# sharded signalling hosts are refused with a message.
{
  domain = "meet.example.com";
  tls = {
    mode = "own";
    certificate = "/etc/ssl/meet.example.com.crt";
    key = "/etc/ssl/meet.example.com.key";
  };
  secrets = {
    focus.file = "/etc/jitsi-topology/secrets/focus";
    jvb.file = "/etc/jitsi-topology/secrets/jvb";
  };
  front_door = {
    host = "door.meet.example.com";
    address = "10.0.0.2";
    certificate = "/etc/haproxy/certs/meet.example.com.pem";
  };
  shards = [
    {
      name = "shard-a";
      signaling = {
        host = "shard-a.meet.example.com";
        address = "10.0.1.10";
      };
    }
    {
      name = "shard-b";
      signaling = {
        host = "shard-b.meet.example.com";
        address = "10.0.2.10";
      };
    }
  ];
  bridges = [
    {
      host = "jvb1.meet.example.com";
      address = "10.0.3.11";
      public_address = "198.51.100.41";
    }
    {
      host = "jvb2.meet.example.com";
      address = "10.0.3.12";
      public_address = "198.51.100.42";
      shards = [ "shard-b" ];
    }
  ];
  bridge_networks = [ "10.0.3.0/24" ];
  trust = {
    mode = "ca";
    ca_certificate = "/etc/ssl/certs/meet-internal-ca.pem";
    certificate = "/etc/ssl/jitsi/auth.meet.example.com.crt";
    key = "/etc/ssl/jitsi/auth.meet.example.com.key";
  };
}
