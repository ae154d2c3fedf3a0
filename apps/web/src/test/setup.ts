// Testing Library waits 1 s by default for an element to appear. Lazy route chunks are transformed
// on first use, and on a loaded 2-core CI machine that alone can take longer: wait up to 10 s (the
// wait ends as soon as the element is there, so passing tests are not slowed).
import { configure } from '@testing-library/react';

configure({ asyncUtilTimeout: 10_000 });
