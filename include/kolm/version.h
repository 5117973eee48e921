#ifndef KOLM_VERSION_H
#define KOLM_VERSION_H
#define KOLM_VERSION "0.1.0"
#endif
