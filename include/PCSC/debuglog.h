/*
 * Logging that reader drivers use inside pcscd.
 *
 * Drivers call log_msg() and log_xxd() through the Log* macros below, and
 * pcscd exports both functions to the drivers it loads. A log line starts
 * with "file:line:function() ". Defining NO_LOG turns every macro into a
 * statement that does nothing.
 * Names, values and prototypes are those of pcsc-lite 1.9.9. pcsc-lite's
 * header has no extern "C" block. This one has one, so C++ drivers link
 * against the C symbols.
 */

/* The guard name is pcsc-lite's, so a program that mixes both header sets
 * does not see the declarations twice. */
#ifndef __debuglog_h__
#define __debuglog_h__

/* Empty unless the includer defines it, for example to set visibility. */
#ifndef PCSC_API
#define PCSC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Log destinations for DebugLogSetLogType(). */
enum {
    DEBUGLOG_NO_DEBUG = 0,
    DEBUGLOG_SYSLOG_DEBUG,
    DEBUGLOG_STDOUT_DEBUG,
    DEBUGLOG_STDOUT_COLOR_DEBUG
};

/* Categories for DebugLogSetCategory(): APDUs and status words. */
#define DEBUG_CATEGORY_NOTHING 0
#define DEBUG_CATEGORY_APDU 1
#define DEBUG_CATEGORY_SW 2

/* Priorities, lowest first. DebugLogSetLevel() drops messages below its level. */
enum {
    PCSC_LOG_DEBUG = 0,
    PCSC_LOG_INFO,
    PCSC_LOG_ERROR,
    PCSC_LOG_CRITICAL
};

/* Without GCC or IBM extensions there is no __FUNCTION__, and the log
 * prefix gets an empty function name. Without GCC extensions __attribute__
 * expands to nothing. */
#if !defined(__GNUC__) && !defined(__IBMC__)
#define __FUNCTION__ ""
#endif

#ifndef __GNUC__
#define __attribute__(x)
#endif

#ifdef NO_LOG

#define Log0(priority) do { (void)(priority); } while (0)
#define Log1(priority, fmt) do { (void)(priority); } while (0)
#define Log2(priority, fmt, data) do { (void)(priority); } while (0)
#define Log3(priority, fmt, data1, data2) do { (void)(priority); } while (0)
#define Log4(priority, fmt, data1, data2, data3) do { (void)(priority); } while (0)
#define LogRv4(priority, rv, fmt, data1, data2) do { (void)(priority); } while (0)
#define Log5(priority, fmt, data1, data2, data3, data4) do { (void)(priority); } while (0)
#define Log9(priority, fmt, data1, data2, data3, data4, data5, data6, data7, data8) \
    do { (void)(priority); } while (0)
#define LogXxd(priority, msg, buffer, size) do { (void)(priority); } while (0)
#define rv2text(rv) ""

#define DebugLogA(a)
#define DebugLogB(a, b)
#define DebugLogC(a, b, c)

#else

/* LogN takes the priority, a format that must be a string literal, and
 * N - 1 arguments. Log0 logs only the prefix. */
#define Log0(priority) \
    log_msg(priority, "%s:%d:%s()", __FILE__, __LINE__, __FUNCTION__)
#define Log1(priority, fmt) \
    log_msg(priority, "%s:%d:%s() " fmt, __FILE__, __LINE__, __FUNCTION__)
#define Log2(priority, fmt, data) \
    log_msg(priority, "%s:%d:%s() " fmt, __FILE__, __LINE__, __FUNCTION__, data)
#define Log3(priority, fmt, data1, data2) \
    log_msg(priority, "%s:%d:%s() " fmt, __FILE__, __LINE__, __FUNCTION__, \
        data1, data2)
#define Log4(priority, fmt, data1, data2, data3) \
    log_msg(priority, "%s:%d:%s() " fmt, __FILE__, __LINE__, __FUNCTION__, \
        data1, data2, data3)
#define Log5(priority, fmt, data1, data2, data3, data4) \
    log_msg(priority, "%s:%d:%s() " fmt, __FILE__, __LINE__, __FUNCTION__, \
        data1, data2, data3, data4)
#define Log9(priority, fmt, data1, data2, data3, data4, data5, data6, data7, data8) \
    log_msg(priority, "%s:%d:%s() " fmt, __FILE__, __LINE__, __FUNCTION__, \
        data1, data2, data3, data4, data5, data6, data7, data8)

/* Like Log3, with a PC/SC return code that the logger prints by name. */
#define LogRv4(priority, rv, fmt, data1, data2) \
    log_msg_rv(priority, rv, "%s:%d:%s() " fmt, __FILE__, __LINE__, \
        __FUNCTION__, data1, data2)

/* Logs msg followed by size bytes of buffer in hexadecimal. */
#define LogXxd(priority, msg, buffer, size) log_xxd(priority, msg, buffer, size)

/* Name of a PC/SC return code, such as "SCARD_E_TIMEOUT". */
const char *rv2text(unsigned int rv);

/* Older names, at priority PCSC_LOG_INFO. */
#define DebugLogA(a) Log1(PCSC_LOG_INFO, a)
#define DebugLogB(a, b) Log2(PCSC_LOG_INFO, a, b)
#define DebugLogC(a, b, c) Log3(PCSC_LOG_INFO, a, b, c)

#endif /* NO_LOG */

PCSC_API void log_msg_rv(const int priority, unsigned int rv,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

PCSC_API void log_msg(const int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

PCSC_API void log_xxd(const int priority, const char *msg,
    const unsigned char *buffer, const int size);

/* Logger configuration. pcscd exports only DebugLogSetLevel() to drivers. */
void DebugLogSuppress(const int);
void DebugLogSetLogType(const int);
void DebugLogSetCategory(const int);
void DebugLogCategory(const int, const unsigned char *, const int);
PCSC_API void DebugLogSetLevel(const int level);

#ifdef __cplusplus
}
#endif

#endif /* __debuglog_h__ */
