/*
 * Every way a call can fail: an invalid model (every diagnostic at once, each with the JSON
 * Pointer of its field), a syntax error, NULL arguments, invalid UTF-8 and an empty model.
 * Out-parameters are NULL on every path before anything is written. jt_render, jt_validate
 * and jt_resolve alike; jt_plan's two models each (test_plan.c has its successes).
 *
 * usage: test_errors REPO_ROOT
 */
#include <jitsi_topology.h>

#define TEST_NAME "test_errors"
#include "check.h"

typedef jt_status (*model_fn)(const char *, char **, char **);

static const model_fn FUNCTIONS[] = {jt_render, jt_validate, jt_resolve};
static const char *const NAMES[] = {"jt_render", "jt_validate", "jt_resolve"};
#define N_FUNCTIONS (sizeof FUNCTIONS / sizeof FUNCTIONS[0])

/* A pointer that is not NULL and must be overwritten with NULL. */
#define GARBAGE ((char *)"garbage")

static void an_invalid_model_names_each_field_by_json_pointer(const char *handbook) {
    char *dup = replace(handbook, "address: 10.0.0.12", "address: 10.0.0.11");
    char *model = replace(dup, "bridge_networks:", "brige_networks:");
    for (size_t i = 0; i < N_FUNCTIONS; i++) {
        char *out = GARBAGE, *err = GARBAGE;
        jt_status status = FUNCTIONS[i](model, &out, &err);
        if (status != JT_INVALID_MODEL) {
            fprintf(stderr, "%s returned %d\n", NAMES[i], (int)status);
        }
        CHECK(status == JT_INVALID_MODEL);
        CHECK(out == NULL);
        CHECK_CONTAINS(err, "{\"kind\":\"invalid-model\",\"message\":\"the model is invalid: 2 errors, 0 warnings\",\"diagnostics\":[");
        CHECK_CONTAINS(err, "{\"severity\":\"error\",\"code\":\"duplicate-address\",\"path\":\"/bridges/1/address\",\"message\":\"");
        CHECK_CONTAINS(err, "\"code\":\"unknown-key\",\"path\":\"/brige_networks\"");
        CHECK_CONTAINS(err, "did you mean `bridge_networks`?");
        /* Where each problem is in the model's text, and the first of the two places. */
        CHECK_CONTAINS(err, "\"line\":24,\"column\":45,\"related\":[{\"path\":\"/bridges/0/address\",\"label\":\"first used here\",\"line\":23,\"column\":45}]");
        jt_string_free(out);
        jt_string_free(err);
    }
    free(model);
    free(dup);
}

static void a_syntax_error_says_where(void) {
    char *out = GARBAGE, *err = GARBAGE;
    CHECK(jt_render("domain: meet.example.com\nbridges: [\n", &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "\"code\":\"syntax\"");
    CHECK_CONTAINS(err, "line 3 column 1");
    CHECK_CONTAINS(err, "\"line\":3,\"column\":1");
    jt_string_free(err);

    CHECK(jt_validate("bridges: 5\n", &out, &err) == JT_INVALID_MODEL);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "\"path\":\"/bridges\"");
    jt_string_free(err);
}

static void null_arguments_are_reported_never_dereferenced(void) {
    for (size_t i = 0; i < N_FUNCTIONS; i++) {
        char *out = GARBAGE, *err = GARBAGE;
        CHECK(FUNCTIONS[i](NULL, &out, &err) == JT_NULL_ARGUMENT);
        CHECK(out == NULL);
        CHECK_CONTAINS(err, "{\"kind\":\"null-argument\",\"message\":\"`model` is NULL");
        CHECK_CONTAINS(err, "\"diagnostics\":[]}");
        jt_string_free(err);

        err = GARBAGE;
        CHECK(FUNCTIONS[i]("domain: meet.example.com\n", NULL, &err) == JT_NULL_ARGUMENT);
        CHECK_CONTAINS(err, "{\"kind\":\"null-argument\",\"message\":\"`out_json` is NULL");
        jt_string_free(err);

        /* With nowhere to put the error document, the status is the whole answer. */
        out = GARBAGE;
        CHECK(FUNCTIONS[i]("domain: meet.example.com\n", &out, NULL) == JT_NULL_ARGUMENT);
        CHECK(out == NULL);
        out = GARBAGE;
        CHECK(FUNCTIONS[i](NULL, &out, NULL) == JT_NULL_ARGUMENT);
        CHECK(out == NULL);
        CHECK(FUNCTIONS[i](NULL, NULL, NULL) == JT_NULL_ARGUMENT);
    }
    /* jt_plan names which of its two models is missing. */
    char *out = GARBAGE, *err = GARBAGE;
    CHECK(jt_plan(NULL, "domain: meet.example.com\n", &out, &err) == JT_NULL_ARGUMENT);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "{\"kind\":\"null-argument\",\"message\":\"`old_model` is NULL");
    jt_string_free(err);
    CHECK(jt_plan("domain: meet.example.com\n", NULL, &out, &err) == JT_NULL_ARGUMENT);
    CHECK_CONTAINS(err, "\"message\":\"`new_model` is NULL");
    jt_string_free(err);
    out = GARBAGE;
    CHECK(jt_plan(NULL, NULL, &out, NULL) == JT_NULL_ARGUMENT);
    CHECK(out == NULL);
    CHECK(jt_schema(NULL) == JT_NULL_ARGUMENT);
    CHECK(jt_manifest_schema(NULL) == JT_NULL_ARGUMENT);
    jt_string_free(NULL);
}

static void invalid_utf8_is_reported_with_its_offset(void) {
    /* Latin-1 "café": 0xE9 is not UTF-8. */
    const char model[] = "domain: caf\xe9.example.com\n";
    for (size_t i = 0; i < N_FUNCTIONS; i++) {
        char *out = GARBAGE, *err = GARBAGE;
        CHECK(FUNCTIONS[i](model, &out, &err) == JT_INVALID_UTF8);
        CHECK(out == NULL);
        CHECK_CONTAINS(err, "{\"kind\":\"invalid-utf8\",\"message\":\"the model is not UTF-8 text (invalid byte at offset 11)\",\"diagnostics\":[]}");
        jt_string_free(err);
    }
    char *out = GARBAGE, *err = GARBAGE;
    CHECK(jt_plan("domain: meet.example.com\n", model, &out, &err) == JT_INVALID_UTF8);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "\"message\":\"the new model is not UTF-8 text (invalid byte at offset 11)\"");
    jt_string_free(err);
}

static void an_empty_model_is_invalid(void) {
    for (size_t i = 0; i < N_FUNCTIONS; i++) {
        char *out = GARBAGE, *err = GARBAGE;
        CHECK(FUNCTIONS[i]("", &out, &err) == JT_INVALID_MODEL);
        CHECK(out == NULL);
        CHECK_CONTAINS(err, "\"code\":\"empty\",\"path\":\"\"");
        jt_string_free(err);

        CHECK(FUNCTIONS[i]("   \n# only a comment\n", &out, &err) == JT_INVALID_MODEL);
        CHECK(out == NULL);
        CHECK_CONTAINS(err, "\"kind\":\"invalid-model\"");
        jt_string_free(err);
    }
}

static void a_failed_call_leaves_the_next_one_working(const char *handbook) {
    char *out = NULL, *err = NULL;
    CHECK(jt_render(handbook, &out, &err) == JT_OK);
    CHECK(err == NULL);
    jt_string_free(out);
}

static void run(const char *root, const char *handbook, const char *extra) {
    (void)root;
    (void)extra;
    an_invalid_model_names_each_field_by_json_pointer(handbook);
    a_syntax_error_says_where();
    null_arguments_are_reported_never_dereferenced();
    invalid_utf8_is_reported_with_its_offset();
    an_empty_model_is_invalid();
    a_failed_call_leaves_the_next_one_working(handbook);
}
