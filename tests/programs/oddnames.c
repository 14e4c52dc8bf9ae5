/* Calls on file names that are not UTF-8 and that hold quotes, tabs and octal-looking bytes. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    open("/tmp/dd-\xff\xfe-missing", O_RDONLY);
    open("/tmp/dd-\x01" "7-\"quoted\"\t-missing", O_RDONLY);
    mkdir("/nonexistent-dd/\xc3(", 0755);
    access("/nonexistent-dd/\xe9t\xe9", R_OK);
    return 0;
}
