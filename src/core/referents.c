#include "pympler.h"
