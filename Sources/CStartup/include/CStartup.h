#ifndef CSTARTUP_H
#define CSTARTUP_H
// Start-up of the multi-call binary (see startup.c). Nothing to call: linking it is enough.
#endif
