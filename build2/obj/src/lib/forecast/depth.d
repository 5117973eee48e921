build2/obj/src/lib/forecast/depth.o: src/lib/forecast/depth.c \
 src/lib/forecast/depth.h src/lib/forecast/speed.h \
 src/lib/core/json_internal.h include/kolm/catalog.h include/kolm/err.h \
 include/kolm/estimate.h include/kolm/model.h
src/lib/forecast/depth.h:
src/lib/forecast/speed.h:
src/lib/core/json_internal.h:
include/kolm/catalog.h:
include/kolm/err.h:
include/kolm/estimate.h:
include/kolm/model.h:
