build2/obj/src/lib/catalog/probe.o: src/lib/catalog/probe.c \
 include/kolm/local.h include/kolm/err.h include/kolm/util.h
include/kolm/local.h:
include/kolm/err.h:
include/kolm/util.h:
