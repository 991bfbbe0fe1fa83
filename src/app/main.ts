/** Entry point of every fleetwire page (index.html): registers `<fleet-app>` and its views. */
import './fleet-app';
