#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

// Typed wrappers around libcurl's variadic functions.
//
// `curl_easy_setopt`, `curl_easy_getinfo` and `curl_multi_setopt` are variadic, and Swift refuses to
// import variadic C functions ("Variadic function is unavailable"). Each wrapper below fixes the type of
// the one variadic argument, so Swift sees an ordinary function. Callback setters exist because Swift
// cannot pass a `@convention(c)` function where C expects `...`.
//
// See https://curl.se/libcurl/c/curl_easy_setopt.html and https://curl.se/libcurl/c/curl_easy_getinfo.html

#include <curl/curl.h>

/// A write or header callback: https://curl.se/libcurl/c/CURLOPT_WRITEFUNCTION.html
typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *userdata);

/// A pre-request callback, called once the connection is established or reused and just before the
/// request is sent: https://curl.se/libcurl/c/CURLOPT_PREREQFUNCTION.html (libcurl >= 7.80).
typedef int (*ccurl_prereq_callback)(void *userdata, char *conn_primary_ip, char *conn_local_ip,
                                     int conn_primary_port, int conn_local_port);

/// Sets an option whose argument is a `long`.
static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// Sets an option whose argument is a `curl_off_t`.
static inline CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// Sets an option whose argument is a C string. libcurl copies strings (except CURLOPT_POSTFIELDS).
static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Sets an option whose argument is an opaque pointer (userdata, error buffer, slist, ...).
static inline CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Sets CURLOPT_WRITEFUNCTION or CURLOPT_HEADERFUNCTION.
static inline CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// Sets CURLOPT_PREREQFUNCTION.
static inline CURLcode ccurl_easy_setopt_prereq_callback(CURL *handle, ccurl_prereq_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

/// Reads a `long` transfer fact, such as CURLINFO_RESPONSE_CODE or CURLINFO_NUM_CONNECTS.
static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Reads a `curl_off_t` transfer fact, such as CURLINFO_TOTAL_TIME_T (microseconds).
static inline CURLcode ccurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Sets a multi-handle option whose argument is a `long`.
static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// The easy handle a CURLMSG_DONE message is about (the `CURLMsg.data` union is awkward from Swift).
static inline CURL *ccurl_message_easy_handle(const CURLMsg *message) {
    return message->easy_handle;
}

/// The transfer result carried by a CURLMSG_DONE message.
static inline CURLcode ccurl_message_result(const CURLMsg *message) {
    return message->data.result;
}

/// Whether a message from `curl_multi_info_read` says a transfer is done.
static inline int ccurl_message_is_done(const CURLMsg *message) {
    return message->msg == CURLMSG_DONE;
}

/// `curl_version_info(CURLVERSION_NOW)`: the macro aliases an enum case, which Swift does not import.
static inline const curl_version_info_data *ccurl_version_info_now(void) {
    return curl_version_info(CURLVERSION_NOW);
}

#endif
