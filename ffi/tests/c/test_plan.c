/*
 * jt_resolve returns the resolved deployment and jt_plan what changes between two models, as
 * the CLI's `resolve` and `plan --format json` do: a bridge added, a secret changed (its
 * files compared, their content withheld, the secret never shown), nothing changed, and an
 * invalid model named as the old or the new one.
 *
 * usage: test_plan REPO_ROOT
 */
#include <jitsi_topology.h>

#define TEST_NAME "test_plan"
#include "check.h"

static const char *JVB3 =
    "  - { host: jvb3.meet.example.com, address: 10.0.0.13, public_address: 198.51.100.13, "
    "jvm_max_memory: 8g }\n";

static void resolve_returns_the_deployment(const char *handbook) {
    char *out = NULL, *err = NULL;
    CHECK(jt_resolve(handbook, &out, &err) == JT_OK);
    CHECK(err == NULL);
    /* Derived names, as `jitsi-topology resolve` prints them. */
    CHECK_CONTAINS(out, "\"host\":\"jvb3.meet.example.com\"");
    CHECK_CONTAINS(out, "jvbbrewery@internal.auth.meet.example.com");
    /* A {file} secret is its path, never a value. */
    CHECK_CONTAINS(out, "/etc/jitsi-topology/secrets/focus");
    jt_string_free(out);
}

static void plan_says_what_changes(const char *handbook) {
    char *without_jvb3 = replace(handbook, JVB3, "");
    char *out = NULL, *err = NULL;

    CHECK(jt_plan(without_jvb3, handbook, &out, &err) == JT_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(out, "{\"changes\":true,\"hosts\":[");
    CHECK_CONTAINS(out, "{\"name\":\"jvb3.meet.example.com\",\"status\":\"added\"");
    CHECK_CONTAINS(out, "\"/etc/jitsi/videobridge/jvb.conf\"");
    jt_string_free(out);

    /* Removing it: removed, and the signalling host's firewall no longer admits it. */
    CHECK(jt_plan(handbook, without_jvb3, &out, &err) == JT_OK);
    CHECK_CONTAINS(out, "{\"name\":\"jvb3.meet.example.com\",\"status\":\"removed\"");
    jt_string_free(out);

    CHECK(jt_plan(handbook, handbook, &out, &err) == JT_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(out, "{\"changes\":false,");
    CHECK(out != NULL && strstr(out, "\"status\":\"changed\"") == NULL);
    jt_string_free(out);
    free(without_jvb3);
}

static void a_changed_secret_is_compared_never_shown(const char *handbook) {
    const char *old_secret = "old-focus-secret-c-abi-7d1e4b02";
    const char *new_secret = "new-focus-secret-c-abi-93a0c5f6";
    char old_line[200], new_line[200];
    snprintf(old_line, sizeof old_line, "focus: { value: %s }", old_secret);
    snprintf(new_line, sizeof new_line, "focus: { value: %s }", new_secret);
    char *old_model = replace(handbook, "focus: { file: /etc/jitsi-topology/secrets/focus }", old_line);
    char *new_model = replace(handbook, "focus: { file: /etc/jitsi-topology/secrets/focus }", new_line);
    char *out = NULL, *err = NULL;

    CHECK(jt_plan(old_model, new_model, &out, &err) == JT_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(out, "{\"changes\":true,");
    CHECK_CONTAINS(out, "\"content\":\"withheld\"");
    CHECK(out != NULL && strstr(out, old_secret) == NULL && strstr(out, new_secret) == NULL);
    jt_string_free(out);
    free(old_model);
    free(new_model);
}

static void an_invalid_model_is_named(const char *handbook) {
    char *invalid = replace(handbook, "address: 10.0.0.12", "address: 10.0.0.11");
    char *out = NULL, *err = NULL;

    CHECK(jt_plan(handbook, invalid, &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "{\"kind\":\"invalid-model\",\"message\":\"new model: the model is invalid: 1 error");
    CHECK_CONTAINS(err, "\"code\":\"duplicate-address\",\"path\":\"/bridges/1/address\"");
    jt_string_free(err);

    CHECK(jt_plan(invalid, handbook, &out, &err) == JT_INVALID_MODEL);
    CHECK_CONTAINS(err, "\"message\":\"old model: the model is invalid");
    jt_string_free(err);

    CHECK(jt_resolve(invalid, &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "\"code\":\"duplicate-address\"");
    jt_string_free(err);
    free(invalid);
}

static void run(const char *root, const char *handbook, const char *extra) {
    (void)root;
    (void)extra;
    resolve_returns_the_deployment(handbook);
    plan_says_what_changes(handbook);
    a_changed_secret_is_compared_never_shown(handbook);
    an_invalid_model_is_named(handbook);
}
