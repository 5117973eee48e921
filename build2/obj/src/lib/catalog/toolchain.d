build2/obj/src/lib/catalog/toolchain.o: src/lib/catalog/toolchain.c \
 include/kolm/toolchain.h include/kolm/err.h include/kolm/catalog.h \
 include/kolm/util.h
include/kolm/toolchain.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/util.h:
