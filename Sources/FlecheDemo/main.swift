import Fleche
