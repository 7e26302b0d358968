//! What the Debian packages' installers do to files we also write: upstream facts that
//! validation (refusing an operator's path the installer would replace) and resolve (the
//! paths prosody's config names) both need.

/// The certificate and key jitsi-meet-prosody's installer makes for `name`, as prosody's
/// config names them: `/etc/prosody/certs/NAME.crt` and `.key`, links to a self-signed pair
/// that `prosodyctl cert generate` wrote into /var/lib/prosody.
pub fn prosody_installer_certificate(name: &str) -> (String, String) {
    (
        format!("/etc/prosody/certs/{name}.crt"),
        format!("/etc/prosody/certs/{name}.key"),
    )
}

/// The files jitsi-meet-prosody's postinst replaces with links to a self-signed pair of its
/// own on a first install (when /var/lib/prosody has no certificate for the name yet): the
/// domain's and `auth.<domain>`'s pair in /etc/prosody/certs, and the copy of the latter it
/// trusts in /usr/local/share/ca-certificates (jitsi/jitsi-meet
/// debian/jitsi-meet-prosody.postinst at Pie-D/jitsi-meet@abf901a, l.223-230 and l.234-244).
/// An operator's file at one of these paths would be lost there.
pub fn replaced_by_prosody_installer(domain: &str) -> Vec<String> {
    let auth = format!("auth.{domain}");
    let (crt, key) = prosody_installer_certificate(domain);
    let (auth_crt, auth_key) = prosody_installer_certificate(&auth);
    vec![
        crt,
        key,
        auth_crt,
        auth_key,
        format!("/usr/local/share/ca-certificates/{auth}.crt"),
    ]
}
