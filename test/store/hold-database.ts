/**
 * Holds an embedded fleetwire database as a running process does, for the lock tests:
 * `node --import tsx test/store/hold-database.ts <dataDir> <server|cli>`. Prints `ready` once it
 * holds it; closes it and exits when its standard input ends.
 */
import { openDatabase, type Holder } from '../../server/store/database';

const [dataDir, holder] = process.argv.slice(2);
if (!dataDir || (holder !== 'server' && holder !== 'cli')) {
  console.error('usage: hold-database.ts <dataDir> <server|cli>');
  process.exit(2);
}
const database = await openDatabase({ dataDir }, holder as Holder);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void database.close().then(() => process.exit(0));
});
