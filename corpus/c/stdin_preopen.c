// Echoes stdin, reads `in.txt` from the directory preopened at /sandbox, writes `out.txt` there
// and reads it back. Each result is one line of stdout; a failure names the call and errno.
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int show_file(const char *label, const char *path) {
    char buffer[256];
    FILE *file = fopen(path, "r");
    if (!file) {
        printf("%s: open %s failed: %s\n", label, path, strerror(errno));
        return 1;
    }
    size_t length = fread(buffer, 1, sizeof buffer - 1, file);
    buffer[length] = '\0';
    fclose(file);
    printf("%s: %s\n", label, buffer);
    return 0;
}

int main(void) {
    char buffer[256];
    size_t length = fread(buffer, 1, sizeof buffer - 1, stdin);
    buffer[length] = '\0';
    printf("stdin: %s\n", buffer);

    int failures = show_file("in.txt", "/sandbox/in.txt");
    FILE *out = fopen("/sandbox/out.txt", "w");
    if (!out) {
        printf("out.txt: create failed: %s\n", strerror(errno));
        return 1;
    }
    fputs("written by the guest", out);
    fclose(out);
    failures += show_file("out.txt", "/sandbox/out.txt");
    return failures;
}
