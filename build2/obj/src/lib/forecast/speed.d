build2/obj/src/lib/forecast/speed.o: src/lib/forecast/speed.c \
 src/lib/forecast/speed.h include/kolm/catalog.h include/kolm/err.h \
 src/lib/core/json_internal.h src/lib/forecast/calib_internal.h \
 include/kolm/calib.h
src/lib/forecast/speed.h:
include/kolm/catalog.h:
include/kolm/err.h:
src/lib/core/json_internal.h:
src/lib/forecast/calib_internal.h:
include/kolm/calib.h:
