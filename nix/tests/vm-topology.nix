# The topology of the NixOS VM test (nix/tests/vm.nix): a signalling host and two bridges,
# bridges verifying prosody's certificate against a CA made for the test. nix/tests/run
# builds its certificates with the host's openssl and validates it with the CLI, since the VM
# test itself cannot run there. Test keys land in the store on purpose: test only.
{ pkgs }:
let
  domain = "meet.example.com";

  # A CA and two certificates it signed, with the names the hosts present.
  pki = pkgs.runCommand "jitsi-topology-test-pki" { nativeBuildInputs = [ pkgs.openssl ]; } ''
    mkdir -p "$out"
    cd "$out"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=jitsi-topology test CA" \
      -keyout ca.key -out ca.crt
    for name in auth ${domain}; do
      file=''${name%%.*}
      [ "$name" = auth ] && name=auth.${domain}
      openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$file.key" -out "$file.csr"
      printf 'subjectAltName=DNS:%s\n' "$name" > "$file.ext"
      openssl x509 -req -in "$file.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile "$file.ext" -out "$file.crt"
    done
    chmod 0644 ./*
  '';
in
{
  inherit domain;
  tls = {
    mode = "own";
    certificate = "${pki}/meet.crt";
    key = "${pki}/meet.key";
  };
  secrets = {
    focus.file = "/etc/jitsi-topology/secrets/focus";
    jvb.file = "/etc/jitsi-topology/secrets/jvb";
  };
  signaling = {
    host = domain;
    address = "10.0.0.10";
  };
  bridges = [
    {
      host = "jvb1.${domain}";
      address = "10.0.0.11";
      public_address = "198.51.100.11";
    }
    {
      host = "jvb2.${domain}";
      address = "10.0.0.12";
      public_address = "198.51.100.12";
    }
  ];
  bridge_networks = [ "10.0.0.0/24" ];
  # Bridges verify prosody's auth.<domain> certificate against the test CA.
  trust = {
    mode = "ca";
    ca_certificate = "${pki}/ca.crt";
    certificate = "${pki}/auth.crt";
    key = "${pki}/auth.key";
  };
}
