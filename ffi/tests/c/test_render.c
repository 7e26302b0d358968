/*
 * A valid model renders through the C ABI to the manifest with every file's content, the
 * same every time; validation returns its warnings; the schemas are the checked-in files;
 * {env} secrets come from the process environment at render time.
 *
 * usage: test_render REPO_ROOT EXPECTED_VERSION
 */
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */

#include <jitsi_topology.h>

#define TEST_NAME "test_render"
#define TEST_EXTRA_ARG "EXPECTED_VERSION"
#include "check.h"

static char path_buf[4096];

static const char *path(const char *root, const char *rel) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", root, rel);
    return path_buf;
}

/* The handbook topology as JSON: the C ABI takes JSON as well as YAML. */
static const char *HANDBOOK_JSON =
    "{\"release\": \"stable-11146\", \"platform\": {\"prosody\": \"0.12\"},"
    " \"domain\": \"meet.example.com\","
    " \"tls\": {\"mode\": \"own\", \"certificate\": \"/etc/ssl/meet.example.com.crt\","
    "          \"key\": \"/etc/ssl/meet.example.com.key\"},"
    " \"jaas\": false,"
    " \"secrets\": {\"focus\": {\"file\": \"/etc/jitsi-topology/secrets/focus\"},"
    "              \"jvb\": {\"file\": \"/etc/jitsi-topology/secrets/jvb\"}},"
    " \"signaling\": {\"host\": \"meet.example.com\", \"address\": \"10.0.0.10\"},"
    " \"bridges\": ["
    "  {\"host\": \"jvb1.meet.example.com\", \"address\": \"10.0.0.11\","
    "   \"public_address\": \"198.51.100.11\", \"jvm_max_memory\": \"8g\"},"
    "  {\"host\": \"jvb2.meet.example.com\", \"address\": \"10.0.0.12\","
    "   \"public_address\": \"198.51.100.12\", \"jvm_max_memory\": \"8g\"},"
    "  {\"host\": \"jvb3.meet.example.com\", \"address\": \"10.0.0.13\","
    "   \"public_address\": \"198.51.100.13\", \"jvm_max_memory\": \"8g\"}],"
    " \"bridge_networks\": [\"10.0.0.0/24\"],"
    " \"firewall\": {\"admin_networks\": [\"192.0.2.0/24\"]}}";

static void the_handbook_renders_every_host_with_contents(const char *handbook) {
    char *out = (char *)"garbage", *err = (char *)"garbage";
    jt_status status = jt_render(handbook, &out, &err);
    CHECK(status == JT_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(out, "{\"format\":1,\"release\":\"stable-11146\"");
    CHECK_CONTAINS(out, "\"name\":\"meet.example.com\",\"roles\":[\"signaling\"]");
    CHECK_CONTAINS(out, "\"name\":\"jvb1.meet.example.com\",\"roles\":[\"bridge\"]");
    CHECK_CONTAINS(out, "\"name\":\"jvb3.meet.example.com\"");
    CHECK_CONTAINS(out, "\"path\":\"/etc/jitsi/jicofo/jicofo.conf\"");
    CHECK_CONTAINS(out, "\"path\":\"/etc/jitsi/videobridge/jvb.conf\"");
    CHECK_CONTAINS(out, "\"content\":\"");
    /* Every bridge joins the brewery jicofo watches. */
    CHECK_CONTAINS(out, "jvbbrewery@internal.auth.meet.example.com");
    CHECK_CONTAINS(out, "\"steps\":[");

    /* Same model, byte-identical output. */
    char *again = NULL, *err2 = NULL;
    CHECK(jt_render(handbook, &again, &err2) == JT_OK);
    CHECK(out != NULL && again != NULL && strcmp(out, again) == 0);

    /* The same model written as JSON renders the same manifest. */
    char *from_json = NULL, *err3 = NULL;
    CHECK(jt_render(HANDBOOK_JSON, &from_json, &err3) == JT_OK);
    CHECK(err3 == NULL);
    CHECK(out != NULL && from_json != NULL && strcmp(out, from_json) == 0);

    jt_string_free(out);
    jt_string_free(err);
    jt_string_free(again);
    jt_string_free(err2);
    jt_string_free(from_json);
    jt_string_free(err3);
}

static void validation_returns_the_warnings_notes_and_acknowledged_warnings(const char *handbook) {
    char *out = NULL, *err = NULL;
    /* The handbook draws no warning, but a note (severity info): browsers contact upstream's
     * public STUN server. */
    CHECK(jt_validate(handbook, &out, &err) == JT_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(out, "{\"diagnostics\":[{\"severity\":\"info\",\"code\":\"public-stun\",\"path\":\"/public_stun\",");
    CHECK_CONTAINS(out, "}],\"acknowledged\":[]}");
    jt_string_free(out);
    jt_string_free(err);

    char *self_signed = replace(handbook,
                                "  mode: own\n"
                                "  certificate: /etc/ssl/meet.example.com.crt\n"
                                "  key: /etc/ssl/meet.example.com.key\n",
                                "  mode: self-signed\n");
    CHECK(jt_validate(self_signed, &out, &err) == JT_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(out, "{\"severity\":\"warning\",\"code\":\"tls-self-signed\",\"path\":\"/tls/mode\"");
    jt_string_free(out);
    /* A model with warnings still renders. */
    CHECK(jt_render(self_signed, &out, &err) == JT_OK);
    CHECK(err == NULL);
    jt_string_free(out);

    /* The same warning, acknowledged: no longer among the warnings, listed apart with its
     * reason and place. */
    char *acknowledged = replace(self_signed, "bridge_networks:",
                                 "acknowledge:\n"
                                 "  - { code: tls-self-signed, reason: a lab without a certificate }\n"
                                 "bridge_networks:");
    CHECK(jt_validate(acknowledged, &out, &err) == JT_OK);
    CHECK(err == NULL);
    if (out != NULL) {
        /* The first warning in the document is the acknowledged one. */
        const char *first_warning = strstr(out, "\"severity\":\"warning\"");
        const char *listed = strstr(out, "\"acknowledged\":[{\"severity\":\"warning\"");
        CHECK(first_warning != NULL && listed != NULL && first_warning > listed);
    }
    CHECK_CONTAINS(out, "\"acknowledged\":[{\"severity\":\"warning\",\"code\":\"tls-self-signed\",\"path\":\"/tls/mode\",");
    CHECK_CONTAINS(out, "\"line\":10,\"column\":9,\"acknowledged_by\":\"/acknowledge/0\",\"reason\":\"a lab without a certificate\"}]}");
    jt_string_free(out);
    free(acknowledged);
    free(self_signed);
}

static void env_secrets_come_from_the_process_environment(const char *handbook) {
    const char *secret = "c-abi-test-focus-secret-8f3e2a91";
    char *model = replace(handbook, "focus: { file: /etc/jitsi-topology/secrets/focus }",
                          "focus: { env: JT_C_TEST_FOCUS_SECRET }");
    char *out = NULL, *err = NULL;

    CHECK(setenv("JT_C_TEST_FOCUS_SECRET", secret, 1) == 0);
    CHECK(jt_render(model, &out, &err) == JT_OK);
    CHECK(err == NULL);
    CHECK_CONTAINS(out, secret);
    CHECK_CONTAINS(out, "\"secret\":true");
    jt_string_free(out);
    jt_string_free(err);

    /* An invalid model never quotes the secret in its error document. */
    char *invalid = replace(model, "address: 10.0.0.12", "address: 10.0.0.11");
    CHECK(jt_render(invalid, &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK(err != NULL && strstr(err, secret) == NULL);
    jt_string_free(err);
    free(invalid);

    /* Read at render time: once unset, the same model is invalid. */
    CHECK(unsetenv("JT_C_TEST_FOCUS_SECRET") == 0);
    CHECK(jt_render(model, &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "\"code\":\"env-missing\"");
    CHECK_CONTAINS(err, "\"path\":\"/secrets/focus/env\"");
    jt_string_free(err);
    free(model);
}

static void the_schemas_are_the_checked_in_files(const char *root) {
    char *schema = NULL;
    CHECK(jt_schema(&schema) == JT_OK);
    char *file = read_file(path(root, "schemas/topology.schema.json"));
    CHECK(schema != NULL && strcmp(schema, file) == 0);
    CHECK_CONTAINS(schema, "\"$id\": \"https://github.com/jitsi-topology/jitsi-topology/raw/main/schemas/topology.schema.json\"");
    jt_string_free(schema);
    free(file);

    CHECK(jt_manifest_schema(&schema) == JT_OK);
    file = read_file(path(root, "schemas/manifest.schema.json"));
    CHECK(schema != NULL && strcmp(schema, file) == 0);
    jt_string_free(schema);
    free(file);
}

static void strings_are_the_callers_to_change_and_free(void) {
    char *schema = NULL;
    CHECK(jt_schema(&schema) == JT_OK);
    /* Truncating (as strtok would) does not confuse jt_string_free. */
    schema[1] = '\0';
    jt_string_free(schema);
    jt_string_free(NULL);
}

static void run(const char *root, const char *handbook, const char *expected_version) {
    CHECK(strcmp(jt_version(), expected_version) == 0);
    the_handbook_renders_every_host_with_contents(handbook);
    validation_returns_the_warnings_notes_and_acknowledged_warnings(handbook);
    env_secrets_come_from_the_process_environment(handbook);
    the_schemas_are_the_checked_in_files(root);
    strings_are_the_callers_to_change_and_free();
}
