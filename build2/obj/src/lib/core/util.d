build2/obj/src/lib/core/util.o: src/lib/core/util.c include/kolm/util.h \
 include/kolm/err.h
include/kolm/util.h:
include/kolm/err.h:
