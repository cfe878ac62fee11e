/*
 * The Sentry's log. Lines go to the log destination (stderr unless --log names a file),
 * each prefixed "cvisor: ", so they never mix silently with the guest's own output.
 */
#ifndef CVISOR_LOG_H
#define CVISOR_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Opens the log destination (NULL: stderr); json selects JSON lines as runc writes them. */
int log_open(const char *path, bool json);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
