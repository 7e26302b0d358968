/*
 * Eight threads call the library at once, each rendering, validating and failing: every
 * result equals the one computed alone, and nothing leaks or races (valgrind runs this).
 *
 * usage: test_threads REPO_ROOT
 */
#include <jitsi_topology.h>

#include <threads.h>

#define TEST_NAME "test_threads"
#include "check.h"

#define THREADS 8
#define ROUNDS 2

static const char *handbook;
static const char *invalid;
static char *expected_render;
static char *expected_error;

typedef struct {
    int mismatches;
} result;

static int worker(void *arg) {
    result *r = arg;
    for (int round = 0; round < ROUNDS; round++) {
        char *out = NULL, *err = NULL;
        if (jt_render(handbook, &out, &err) != JT_OK || err != NULL || out == NULL ||
            strcmp(out, expected_render) != 0) {
            r->mismatches++;
        }
        jt_string_free(out);
        jt_string_free(err);

        out = NULL;
        err = NULL;
        if (jt_validate(invalid, &out, &err) != JT_INVALID_MODEL || out != NULL ||
            err == NULL || strcmp(err, expected_error) != 0) {
            r->mismatches++;
        }
        jt_string_free(out);
        jt_string_free(err);

        if (jt_validate(NULL, &out, &err) != JT_NULL_ARGUMENT || out != NULL || err == NULL) {
            r->mismatches++;
        }
        jt_string_free(err);
    }
    return 0;
}

static void run(const char *root, const char *text, const char *extra) {
    (void)root;
    (void)extra;
    char *bad = replace(text, "address: 10.0.0.12", "address: 10.0.0.11");
    handbook = text;
    invalid = bad;

    char *err = NULL;
    CHECK(jt_render(handbook, &expected_render, &err) == JT_OK);
    char *out = NULL;
    CHECK(jt_validate(invalid, &out, &expected_error) == JT_INVALID_MODEL);
    CHECK_CONTAINS(expected_error, "\"path\":\"/bridges/1/address\"");

    thrd_t threads[THREADS];
    result results[THREADS];
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        results[i].mismatches = 0;
        if (thrd_create(&threads[i], worker, &results[i]) == thrd_success) {
            started++;
        } else {
            break;
        }
    }
    CHECK(started == THREADS);
    for (int i = 0; i < started; i++) {
        CHECK(thrd_join(threads[i], NULL) == thrd_success);
        CHECK(results[i].mismatches == 0);
    }

    jt_string_free(expected_render);
    jt_string_free(expected_error);
    free(bad);
}
