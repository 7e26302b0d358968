/*
 * What the C tests share: CHECK counts a claim, finish() prints the count as
 * "NAME: N passed, M failed" and turns it into the exit status, and one main(): a test file
 * defines TEST_NAME (and TEST_EXTRA_ARG when it takes an argument after REPO_ROOT) before
 * including this header, and its claims in run(), which gets the repository root, the
 * handbook example's text and that extra argument (or NULL).
 */
#ifndef JT_TEST_CHECK_H
#define JT_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

/* The JSON text `haystack` contains `needle` (the library writes compact JSON). */
#define CHECK_CONTAINS(haystack, needle)                                               \
    do {                                                                               \
        const char *h_ = (haystack);                                                   \
        if (h_ != NULL && strstr(h_, (needle)) != NULL) {                              \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s does not contain %s\n  it is: %.2000s\n", \
                    __FILE__, __LINE__, #haystack, (needle), h_ ? h_ : "(NULL)");      \
        }                                                                              \
    } while (0)

static int finish(const char *name) {
    printf("%s: %d passed, %d failed\n", name, passed, failed);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The whole file at `path`, NUL-terminated, from malloc; exits on failure. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "out of memory reading %s\n", path);
        exit(2);
    }
    buf[len] = '\0';
    return buf;
}

/* A copy of `s` with the first `from` replaced by `to`; exits when `from` is absent. */
static char *replace(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    if (at == NULL) {
        fprintf(stderr, "replace: %s not found\n", from);
        exit(2);
    }
    size_t head = (size_t)(at - s), from_len = strlen(from), to_len = strlen(to);
    size_t tail = strlen(at + from_len);
    char *out = malloc(head + to_len + tail + 1);
    if (out == NULL) {
        exit(2);
    }
    memcpy(out, s, head);
    memcpy(out + head, to, to_len);
    memcpy(out + head + to_len, at + from_len, tail + 1);
    return out;
}

static void run(const char *root, const char *handbook, const char *extra);

int main(int argc, char **argv) {
#ifdef TEST_EXTRA_ARG
    const int args = 3;
    const char *usage = "REPO_ROOT " TEST_EXTRA_ARG;
#else
    const int args = 2;
    const char *usage = "REPO_ROOT";
#endif
    if (argc != args) {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/handbook.yaml", argv[1]);
    char *handbook = read_file(path);
    run(argv[1], handbook, args == 3 ? argv[2] : NULL);
    free(handbook);
    return finish(TEST_NAME);
}

#endif
