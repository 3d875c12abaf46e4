/* greet.c: app.c's second source file; GREETING comes from a -D flag. */
#ifndef GREETING
#error "build with -DGREETING=..."
#endif
const char *greet(void) { return GREETING; }
