/*
 * Large models: a 5 MiB model (the handbook padded with comments) renders exactly as the
 * handbook does, its errors are still found by JSON Pointer, a topology of 100 bridges
 * renders, and a model over the core's 16 MiB limit is refused with a diagnostic.
 *
 * usage: test_large REPO_ROOT
 */
#include <jitsi_topology.h>

#define TEST_NAME "test_large"
#include "check.h"

#define MIB (1024u * 1024u)

/* `model` followed by comment lines up to at least `size` bytes. */
static char *padded(const char *model, size_t size) {
    static const char line[] =
        "# padding: a long comment line that YAML skips, to make a large model. 0123456789\n";
    size_t len = strlen(model), step = sizeof line - 1;
    size_t total = len + ((size > len ? size - len : 0) + step - 1) / step * step;
    char *out = malloc(total + 1);
    if (out == NULL) {
        exit(2);
    }
    memcpy(out, model, len);
    for (size_t at = len; at < total; at += step) {
        memcpy(out + at, line, step);
    }
    out[total] = '\0';
    return out;
}

static void a_5_mib_model_renders_like_the_handbook(const char *handbook) {
    char *reference = NULL, *err = NULL;
    CHECK(jt_render(handbook, &reference, &err) == JT_OK);

    char *big = padded(handbook, 5 * MIB);
    CHECK(strlen(big) >= 5 * MIB);
    char *out = NULL;
    CHECK(jt_render(big, &out, &err) == JT_OK);
    CHECK(err == NULL);
    CHECK(out != NULL && reference != NULL && strcmp(out, reference) == 0);
    jt_string_free(out);
    jt_string_free(reference);
    free(big);
}

static void errors_in_a_5_mib_model_are_found(const char *handbook) {
    char *invalid = replace(handbook, "address: 10.0.0.12", "address: 10.0.0.11");
    char *big = padded(invalid, 5 * MIB);
    char *out = (char *)"garbage", *err = NULL;
    CHECK(jt_validate(big, &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "\"code\":\"duplicate-address\",\"path\":\"/bridges/1/address\"");
    jt_string_free(err);
    free(big);
    free(invalid);
}

static void a_model_over_16_mib_is_refused(const char *handbook) {
    char *huge = padded(handbook, 16 * MIB + 1);
    char *out = (char *)"garbage", *err = NULL;
    CHECK(jt_render(huge, &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "\"code\":\"too-large\"");
    jt_string_free(err);
    free(huge);
}

static void a_hundred_bridges_render(void) {
    static const char head[] =
        "domain: meet.example.com\n"
        "tls: { mode: own, certificate: /etc/ssl/meet.crt, key: /etc/ssl/meet.key }\n"
        "secrets:\n"
        "  focus: { file: /etc/jitsi-topology/secrets/focus }\n"
        "  jvb: { file: /etc/jitsi-topology/secrets/jvb }\n"
        "signaling: { host: meet.example.com, address: 10.0.0.10 }\n"
        "bridge_networks: [10.0.0.0/16]\n"
        "bridges:\n";
    size_t cap = sizeof head + 100 * 128;
    char *model = malloc(cap);
    if (model == NULL) {
        exit(2);
    }
    size_t len = (size_t)snprintf(model, cap, "%s", head);
    for (int i = 1; i <= 100; i++) {
        len += (size_t)snprintf(model + len, cap - len,
                                "  - { host: jvb%d.meet.example.com, address: 10.0.1.%d, "
                                "public_address: 198.51.100.%d }\n",
                                i, i, i);
    }
    char *out = NULL, *err = NULL;
    jt_status status = jt_render(model, &out, &err);
    if (status != JT_OK) {
        fprintf(stderr, "%s\n", err ? err : "(no error document)");
    }
    CHECK(status == JT_OK);
    CHECK_CONTAINS(out, "\"name\":\"jvb1.meet.example.com\"");
    CHECK_CONTAINS(out, "\"name\":\"jvb100.meet.example.com\"");
    jt_string_free(out);
    jt_string_free(err);
    free(model);
}

static void run(const char *root, const char *handbook, const char *extra) {
    (void)root;
    (void)extra;
    a_5_mib_model_renders_like_the_handbook(handbook);
    errors_in_a_5_mib_model_are_found(handbook);
    a_model_over_16_mib_is_refused(handbook);
    a_hundred_bridges_render();
}
