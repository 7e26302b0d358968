/*
 * Not a test of the library: a caller that forgets jt_string_free. ffi/tests/run expects
 * valgrind to fail on it, which shows that the suppressions hide nothing a caller can leak.
 */
#include <stddef.h>

#include <jitsi_topology.h>

int main(void) {
    char *schema = NULL;
    jt_status status = jt_schema(&schema);
    int ok = status == JT_OK && schema != NULL;
    schema = NULL; /* the schema is lost here */
    return ok ? 0 : 1;
}
