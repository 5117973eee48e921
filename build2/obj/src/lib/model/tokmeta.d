build2/obj/src/lib/model/tokmeta.o: src/lib/model/tokmeta.c \
 include/kolm/tokmeta.h include/kolm/err.h include/kolm/util.h
include/kolm/tokmeta.h:
include/kolm/err.h:
include/kolm/util.h:
